"""Per-shell state of the magics: the project chosen with `%vibe use`, and the error log.

The error log keeps the traceback text of every cell that failed since `%load_ext`, by
execution count, for `{Err[n]}`. It is filled by a `post_run_cell` hook: the result of a
cell names its execution count and its exception reliably, which `sys.last_traceback`
(only the latest error, no cell number) does not.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from typing import Any, Mapping

MAX_TRACEBACK_CHARS = 8_000  # the end of a traceback is the useful part: keep that
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class ShellState:
    """What the magics remember for one IPython shell."""

    project: str | None = None  # set by `%vibe use NAME`
    errors: dict[int, str] = field(default_factory=dict)  # execution count -> traceback text


_STATES: dict[int, ShellState] = {}


def state_of(shell: Any) -> ShellState:
    """The state of `shell` (created on first use)."""
    return _STATES.setdefault(id(shell), ShellState())


def forget(shell: Any) -> None:
    _STATES.pop(id(shell), None)


def record_errors(result: Any) -> None:
    """post_run_cell hook: keep the traceback text of a cell that raised."""
    error = result.error_in_exec or result.error_before_exec
    count = getattr(result, "execution_count", None)
    if error is None or count is None:
        return
    from IPython import get_ipython

    shell = get_ipython()
    cells = getattr(getattr(shell, "compile", None), "_filename_map", {})
    state_of(shell).errors[count] = traceback_text(error, cells=cells)


def traceback_text(error: BaseException, *, cells: Mapping[str, int] | None = None) -> str:
    """The traceback as plain text, without IPython's own frames, the end kept if long.

    Cell frames are named `Cell In[n]` (`cells` maps the kernel's file names for cells to
    execution counts): those file names hold the kernel's pid, and a prompt quoting them
    would differ on every run, so a notebook that interpolates {Err[n]} could not replay.
    """
    render = getattr(error, "_render_traceback_", None)
    if callable(render):
        text = "\n".join(render())
    else:
        tb = error.__traceback__
        while tb is not None and _is_ipython_frame(tb.tb_frame.f_code.co_filename):
            tb = tb.tb_next
        found = traceback.TracebackException(type(error), error, tb)
        for frame in found.stack:
            if cells and frame.filename in cells:
                frame.filename = f"Cell In[{cells[frame.filename]}]"
        if isinstance(error, SyntaxError) and cells and found.filename in cells:
            found.filename = f"Cell In[{cells[found.filename]}]"
        text = "".join(found.format())
    text = _ANSI.sub("", text).rstrip()
    return text if len(text) <= MAX_TRACEBACK_CHARS else "…" + text[-MAX_TRACEBACK_CHARS:]


def _is_ipython_frame(filename: str) -> bool:
    parts = filename.replace("\\", "/").split("/")
    return "IPython" in parts and "core" in parts
