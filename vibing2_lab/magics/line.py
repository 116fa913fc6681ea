"""`%vibe COMMAND ...`: listings and settings, one small function per command."""

from __future__ import annotations

from typing import Any, Callable

from ..errors import InputError
from ..literal import markdown_text, terminal_text
from ..notebook.render import escape_markdown_html, table_bundle
from . import context
from .args import help_text, split_line, wants_help
from .cell import clean_errors
from .jobs import cancel_command, jobs_command, wait_command
from .state import state_of

DESCRIPTION_CHARS = 90


def run(shell: Any, line: str) -> None:
    """Dispatch `%vibe COMMAND ARGS`."""
    if not line.strip() or wants_help(line):
        print(help_text())
        return
    with clean_errors():
        name, *args = split_line(line, magic="%vibe")
        command = COMMANDS.get(name)
        if command is None:
            raise InputError(f"Unknown %vibe command {name!r}.",
                             hint=f"Use one of: {', '.join(COMMANDS)} (or %vibe --help).")
        command(shell, args)


def _show(bundle: dict[str, str]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def _store() -> Any:
    from ..store import Store

    return Store.open()


def _short(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def agents(shell: Any, args: list[str]) -> None:
    """`%vibe agents` and `%vibe agents search QUERY`."""
    from ..agents import default_registry

    registry = default_registry(project_dir=_cwd())
    if args[:1] == ["search"]:
        query = " ".join(args[1:])
        if not query.strip():
            raise InputError("Nothing to search for.", hint="Use %vibe agents search WORDS.")
        rows = [(a.name, f"{score:.2f}", a.category, _short(a.description)) for a, score in registry.search(query)]
        _show(table_bundle(("agent", "score", "category", "description"), rows, caption=f"Agents for {query!r}"))
        return
    rows = [(a.name, a.category, a.performance_tier or "", a.source, _short(a.description)) for a in registry.all()]
    _show(table_bundle(("agent", "category", "tier", "source", "description"), rows))


def projects(shell: Any, args: list[str]) -> None:
    """`%vibe projects`: * marks the project this kernel's cells use."""
    current = context.project_for(shell, None)
    rows = [("*" if p.name == current else "", p.name, p.messages, p.files, p.last_activity)
            for p in _store().list_projects()]
    _show(table_bundle(("", "project", "messages", "files", "last activity"), rows))


def use(shell: Any, args: list[str]) -> None:
    """`%vibe use NAME`: this kernel's `%%vibe` cells continue project NAME."""
    if len(args) != 1:
        raise InputError("%vibe use takes one project name.", hint='Quote a name with spaces: %vibe use "my app".')
    project = _store().ensure_project(args[0])
    state_of(shell).project = project.name
    print(f"%%vibe cells now continue project {project.name!r}.")


def new(shell: Any, args: list[str]) -> None:
    """`%vibe new`: a fresh conversation in the current project (older messages are kept)."""
    store = _store()
    project = store.ensure_project(context.project_for(shell, args[0] if args else None))
    number = store.new_conversation(project.id)
    print(f"Project {project.name!r}: conversation {number} started; earlier ones are kept.")


def history(shell: Any, args: list[str]) -> None:
    """`%vibe history`: the current project's conversation."""
    from ..errors import UnknownProjectError

    name = context.project_for(shell, args[0] if args else None)
    try:
        store = _store()
        messages = store.history(store.get_project(name).id)
    except UnknownProjectError:
        messages = []
    if not messages:
        print(f"Project {name!r} has no conversation yet.")
        return
    _show(history_bundle(messages))


def history_bundle(messages: list[Any]) -> dict[str, str]:
    """A conversation as text/plain (controls shown inertly: a terminal IPython prints it) and
    text/markdown (names literal, raw HTML in answers made literal)."""
    parts, plain = [], []
    for m in messages:
        who = m.role + (f" ({m.agent})" if m.agent else "") + ("" if m.status == "complete" else f" [{m.status}]")
        parts.append(f"**{markdown_text(who)}**\n\n{escape_markdown_html(m.content)}")
        plain.append(terminal_text(f"── {who} ──\n{m.content}"))
    return {"text/plain": "\n\n".join(plain), "text/markdown": "\n\n---\n\n".join(parts)}


def login(shell: Any, args: list[str]) -> None:
    """`%vibe login [PROVIDER]`: ask for a key (hidden) and keep it in the OS keychain."""
    from getpass import getpass

    from ..keys import store_key

    provider = args[0] if args else "anthropic"
    backend = store_key(provider, getpass(f"{provider} API key (input hidden): "))
    print(f"Stored the {provider} key in the OS keychain ({backend}).")


def stats(shell: Any, args: list[str]) -> None:
    """`%vibe stats`: runs per agent and model, and tokens and cost per day."""
    from IPython.display import display

    from ..store import stats_by_day, stats_chart, stats_rows

    store = _store()
    rows = stats_rows(store)
    columns = ("agent", "model", "runs", "errors", "cancelled", "input_tokens", "output_tokens", "cost_usd",
               "ttft_p50", "ttft_p95")
    _show(table_bundle(columns, [tuple(_number(row.get(c)) for c in columns) for row in rows]))
    display(stats_chart(stats_by_day(store)))


def models(shell: Any, args: list[str]) -> None:
    """`%vibe models`: providers (and whether a key is set, and where from), aliases, defaults."""
    from ..config import load_settings
    from ..keys import find_key, public_url

    settings = load_settings()
    rows = []
    for name, conf in sorted(settings.providers.items()):
        key = find_key(name)
        rows.append((name, settings.wire(name), public_url(conf.base_url), f"yes, from {key.source}" if key else "no"))
    _show(table_bundle(("provider", "wire", "base URL", "key"), rows, caption="Providers"))
    aliases = [(alias, target) for alias, target in sorted(settings.aliases.items())]
    aliases += [(f"tier {tier}", target) for tier, target in sorted(settings.tiers.items())]
    aliases.append(("default", settings.default_model))
    _show(table_bundle(("alias", "model"), aliases, caption="Aliases"))


def budget(shell: Any, args: list[str]) -> None:
    """`%vibe budget`: spend against the budgets in config.yaml (today, this month, per project)."""
    from ..budget import budget_report
    from ..config import load_settings

    report = budget_report(load_settings(), _store())
    rows = [(name, _number(row["limit"]) if row["limit"] is not None else "no limit",
             "" if row["spent"] is None else _number(row["spent"]),
             "" if row["left"] is None else _number(row["left"])) for name, row in report["limits"].items()]
    rows += [(f"project {row['project']}", _number(row["limit"]) if row["limit"] is not None else "",
              _number(row["spent"]), "" if row["left"] is None else _number(row["left"]))
             for row in report["projects"]]
    _show(table_bundle(("budget", "limit USD", "spent USD", "left USD"), rows, caption="Budgets"))


def mcp(shell: Any, args: list[str]) -> None:
    """`%vibe mcp`: the MCP servers of config.yaml, their status (each is started) and tools."""
    from ..mcp.tools import server_statuses

    rows = [(s["name"], s["transport"], s["status"] if not s["error"] else f"failed: {s['error']}",
             ", ".join(t["name"] for t in s["tools"])) for s in server_statuses()]
    _show(table_bundle(("server", "transport", "status", "tools"), rows, caption="MCP servers (config.yaml)"))


def _number(value: Any) -> Any:
    """Floats with up to 6 decimals and no exponent (costs are small)."""
    return f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else value


def _cwd() -> Any:
    from pathlib import Path

    return Path.cwd()


COMMANDS: dict[str, Callable[[Any, list[str]], None]] = {
    "agents": agents, "projects": projects, "use": use, "new": new, "history": history,
    "login": login, "stats": stats, "models": models, "budget": budget, "mcp": mcp,
    "jobs": jobs_command, "wait": wait_command, "cancel": cancel_command,
}
