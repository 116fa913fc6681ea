"""`%%vibe` / `%vibe`: the IPython adapter over the core (thin: parse, call Session, render).

Loading is cheap on purpose: this module and args.py import nothing heavy; the session,
the store, the widget and anywidget are imported when a magic first runs.

    args.py      the `%%vibe` options (magic_arguments) and the help text
    state.py     per-shell state: the `%vibe use` project and the log of errors for {Err[n]}
    context.py   what the kernel knows: cell id, kernel id, notebook name, interpolation inputs
    cell.py      `%%vibe`: interpolate, Session, stream into an output, raise on failure
    output.py    where the stream goes: the widget panel, or plain text in a terminal
    tools.py     agent tools in a cell: cwd, the user's namespace, the live notebook, consent
    steps.py     tool steps and consent questions shown in the panel
    consent.py   consent asked in the panel, answered over stdin (stdin.py: why stdin)
    bridge.py    NotebookRead / NotebookEdit through the front end's live notebook
    line.py      `%vibe agents|projects|use|new|history|login|stats|models`
    jobs.py      `%%vibe --bg` in a worker thread; `%vibe jobs|wait|cancel`
"""

from __future__ import annotations

from typing import Any

from .args import vibe_cell
from .state import forget, record_errors


def load(ipython: Any) -> None:
    """Register `%%vibe`, `%vibe` and the error log used by `{Err[n]}`."""
    ipython.register_magic_function(vibe_line, magic_kind="line", magic_name="vibe")
    ipython.register_magic_function(vibe_cell, magic_kind="cell", magic_name="vibe")
    if record_errors not in ipython.events.callbacks["post_run_cell"]:
        ipython.events.register("post_run_cell", record_errors)


def unload(ipython: Any) -> None:
    """Remove what `load` registered."""
    magics = ipython.magics_manager.magics
    magics["line"].pop("vibe", None)
    magics["cell"].pop("vibe", None)
    if record_errors in ipython.events.callbacks["post_run_cell"]:
        ipython.events.unregister("post_run_cell", record_errors)
    forget(ipython)


def vibe_line(line: str) -> None:
    """%vibe agents | agents search Q | projects | use NAME | new | history | login [PROVIDER] |
    stats | models | budget | jobs | wait [ID] | cancel ID | --help

    agents             the agents (name, category, tier, description)
    agents search Q    agents ranked for a query
    projects           the projects in the store (* marks the one %%vibe uses here)
    use NAME           continue project NAME in this kernel's %%vibe cells
    new                start a fresh conversation in the current project
    history            the current project's conversation
    login [PROVIDER]   store an API key in the OS keychain (default provider: anthropic)
    stats              runs, tokens, cost and latency per agent and model, and a chart per day
    models             providers, whether a key is set (and where from), the aliases
    budget             spend against the budgets in config.yaml
    jobs               background answers (%%vibe --bg): id, cell, agents, elapsed, status
    wait [ID]          block until that background answer (default: all) ends; raises if it failed
    cancel ID          stop a background answer (its partial text is kept)
    --help             this text and the %%vibe options
    """
    from .line import run

    run(_shell(), line)


def _shell() -> Any:
    from IPython import get_ipython

    return get_ipython()
