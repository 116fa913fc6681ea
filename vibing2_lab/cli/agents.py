"""`vibing2-lab agents list|show|search|pick`: browse, search and auto-select agents."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from ..agents.parse import Agent
    from ..agents.registry import AgentRegistry
    from ..agents.select import Pick


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("agents", help="list, show, search and pick agents",
                       description="Agents come from <project>/.vibe/agents, $VIBING2_LAB_AGENTS_PATH, "
                                   "<VIBING2_LAB_HOME>/agents and the bundled library, in that priority.")
    p.add_argument("--project-dir", type=Path, default=None,
                   help="project whose .vibe/agents/ comes first (default: the current directory)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB")
    for name, (func, help_text, args) in VERBS.items():
        v = verbs.add_parser(name, help=help_text)
        for flags, kwargs in args:
            v.add_argument(*flags, **kwargs)
        v.set_defaults(func=func)
    p.set_defaults(func=_list, json=False)


def _registry(args: argparse.Namespace) -> "AgentRegistry":
    import logging

    from ..agents.registry import AgentRegistry

    # The CLI prints the loader's warnings itself, once, on stderr.
    logging.getLogger("vibing2_lab.agents").addHandler(logging.NullHandler())
    logging.getLogger("vibing2_lab.agents").propagate = False
    registry = AgentRegistry.load(project_dir=args.project_dir or Path.cwd())
    for message in registry.warnings:
        print(f"vibing2-lab: warning: {message}", file=sys.stderr)
    return registry


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    for row in [headers, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def _short(path: Path) -> str:
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home):] if home != "/" and text.startswith(home + "/") else text


def _list(args: argparse.Namespace) -> int:
    agents = _registry(args).all()
    if args.json:
        _print_json([a.summary() for a in agents])
        return 0
    rows = [[a.name, a.category, a.source, _short(a.path), ", ".join(_short(p) for p in a.shadows)] for a in agents]
    _table(rows, ["NAME", "CATEGORY", "SOURCE", "PATH", "SHADOWS"])
    return 0


def _show(args: argparse.Namespace) -> int:
    agent = _registry(args).get(args.name)
    if args.json:
        _print_json({**agent.summary(), "extra": agent.extra, "parse_mode": agent.parse_mode,
                     "system_prompt": agent.system_prompt})
        return 0
    _print_agent(agent)
    return 0


def _print_agent(agent: "Agent") -> None:
    fields = [
        ("name", agent.name), ("description", agent.description), ("category", agent.category),
        ("capabilities", ", ".join(agent.capabilities)), ("tools", ", ".join(agent.tools)),
        ("tags", ", ".join(agent.tags)), ("version", agent.version), ("author", agent.author),
        ("performance_tier", agent.performance_tier), ("model", agent.model), ("color", agent.color),
        ("source", agent.source), ("path", str(agent.path)), ("sha256", agent.sha256),
        ("shadows", ", ".join(str(p) for p in agent.shadows)), ("frontmatter", agent.parse_mode),
        *((k, json.dumps(v, ensure_ascii=False, default=str)) for k, v in agent.extra.items()),
    ]
    for key, value in fields:
        if value:
            lines = str(value).splitlines() or [""]
            print(f"{key + ':':18}{lines[0]}")
            for line in lines[1:]:
                print(f"{'':18}{line}")
    print()
    print(agent.system_prompt)


def _search(args: argparse.Namespace) -> int:
    hits = _registry(args).search(args.query, limit=args.limit)
    if args.json:
        _print_json([{**a.summary(), "score": round(score, 3)} for a, score in hits])
        return 0
    if not hits:
        print(f"no agent matches {args.query!r}", file=sys.stderr)
        return 1
    _table([[f"{score:.2f}", a.name, a.source, _one_line(a.description, 70)] for a, score in hits],
           ["SCORE", "NAME", "SOURCE", "DESCRIPTION"])
    return 0


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _pick(args: argparse.Namespace) -> int:
    from ..config import load_settings

    settings = load_settings()
    registry = _registry(args)
    if (args.auto or settings.auto) == "model":
        pick = _model_pick(args, registry)
    else:
        pick = registry.pick(args.prompt, context=args.context or "", max_bytes=settings.max_prompt_bytes)
    if args.json:
        _print_json({**pick.to_dict(), "candidates": pick.explain()} if args.explain else pick.to_dict())
    elif args.explain:
        _explain(pick)
    else:
        print(pick.agent.name)
    return 0


def _model_pick(args: argparse.Namespace, registry: "AgentRegistry") -> "Pick":
    """The pick re-ranked by the fast-tier model: a session that resolves its agent and stops there."""
    from ..session import Ask, Session

    ask = Ask(args.prompt, auto=True, auto_rank="model", context=args.context or "", store=False,
              project_dir=args.project_dir or Path.cwd())
    pick = Session(ask, registry=registry).pick
    assert pick is not None
    return pick


def _explain(pick: "Pick") -> None:
    """The pick, then the top candidates with their scores and the words that scored."""
    print(f"picked: {pick.agent.name}  " + (pick.reasons[0] if pick.fallback else f"score {pick.score:.2f}, "
                                            f"{pick.how} ranking; {pick.reasons[-1]}"))
    rows = pick.explain()
    if not rows:
        print("no agent matched any word of the prompt")
        return
    _table([[str(r["rank"]), f"{r['score']:.2f}", str(r["name"]), str(r["source"]),
             "; ".join(r["why"]) or "-"] for r in rows],  # type: ignore[arg-type]
           ["#", "SCORE", "AGENT", "SOURCE", "WHY"])


_JSON = (("--json",), {"action": "store_true", "help": "machine-readable output"})
VERBS: dict[str, tuple[Callable[[argparse.Namespace], int], str, list[tuple[tuple[str, ...], dict[str, Any]]]]] = {
    "list": (_list, "every installed agent: where it comes from and what it shadows", [_JSON]),
    "show": (_show, "one agent's fields and system prompt", [(("name",), {"metavar": "NAME"}), _JSON]),
    "search": (_search, "agents ranked by relevance to a query", [
        (("query",), {"metavar": "QUERY"}), _JSON,
        (("--limit",), {"type": int, "default": 10, "help": "at most this many results (default 10)"})]),
    "pick": (_pick, "the agent auto-selection would choose for a prompt", [
        (("prompt",), {"metavar": "PROMPT"}), _JSON,
        (("--context",), {"default": "", "help": "extra context, e.g. recent notebook cells"}),
        (("--explain",), {"action": "store_true", "help": "show the top 5 candidates, their scores and why"}),
        (("--auto",), {"choices": ("local", "model"), "default": None,
                       "help": "model: the fast-tier model re-ranks the local top 5 (default: config.yaml `auto`)"})]),
}
