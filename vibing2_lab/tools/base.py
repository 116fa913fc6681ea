"""A Tool and the ToolContext it acts in.

A Tool is a name, a description and a JSON input schema (what the model is offered), a
default policy ("allow" or "ask", see policy.py), `describe(input, ctx)` (what it will do,
shown when consent is asked: the code, the command, a unified diff) and `run(input, ctx)`
(the result text given back to the model; raise ToolError for an error result).

`run` is synchronous. The sync loop calls it in the thread that streams (the kernel's main
thread for a `%%vibe` cell, so Ctrl+C / Stop interrupts it); the async loop calls it in a
worker thread, so a tool must never touch an event loop. A tool that waits on anything
should watch `ctx.cancel`.

The ToolContext is built by the ADAPTER, which knows where tools act:
    magics   cwd = the notebook's folder, namespace = the kernel's user namespace
    CLI      cwd = the current directory, no namespace
    server   cwd = the root dir; `extras` carries a kernel client / the live document
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Literal, Protocol

from ..errors import ToolError

if TYPE_CHECKING:
    from ..providers import Cancel

PolicyName = Literal["allow", "ask", "deny"]

__all__ = ["Limits", "NotebookBridge", "PolicyName", "Tool", "ToolContext", "ToolError"]


@dataclass
class Limits:
    """Bounds on what a tool reads, runs and returns (config.yaml `tools.limits`)."""

    max_output_chars: int = 30_000  # result text given back to the model
    max_read_bytes: int = 2_000_000  # a file bigger than this is refused by Read/Edit
    read_lines: int = 2_000  # Read's default `limit`, as in Claude Code
    max_line_chars: int = 2_000  # longer lines are cut by Read
    max_matches: int = 500  # Glob / Grep results
    bash_timeout: float = 120.0  # seconds


class NotebookBridge(Protocol):
    """The live notebook, supplied by an adapter with a front end (NotebookRead / NotebookEdit)."""

    def read(self) -> str: ...

    def edit(self, input: dict[str, Any]) -> str: ...


@dataclass
class ToolContext:
    """Where tools act; every field but `cwd` is optional and a tool that needs a missing one
    answers with an error result saying what is missing."""

    cwd: Path
    # The user's variables (the kernel's user_ns) for Python / Variables; without a kernel
    # (CLI) a fresh namespace private to this context.
    namespace: dict[str, Any] = field(default_factory=lambda: {"__name__": "__vibe__"})
    cancel: Cancel | None = None
    limits: Limits = field(default_factory=Limits)
    notebook: NotebookBridge | None = None
    # Write/Edit report each written file (path relative to cwd, new text) so the project's
    # generated files follow; the session sets this when the ask has a project.
    on_file_written: Callable[[str, str], None] | None = None
    # False on a Jupyter server whose contents manager hides dot files (allow_hidden off):
    # file tools then refuse hidden paths and Glob/Grep skip them, as the file browser does.
    allow_hidden: bool = True
    extras: dict[str, Any] = field(default_factory=dict)  # adapter-specific (server: kernel client ...)

    def __post_init__(self) -> None:
        self.cwd = Path(self.cwd).resolve()

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.stopped


class Tool:
    """Base of every tool; subclasses set the class attributes and override `run` (and `describe`)."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    input_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}
    default_policy: ClassVar[PolicyName] = "ask"

    def definition(self) -> dict[str, Any]:
        """What the model is offered: {name, description, input_schema} (wire-neutral)."""
        return {"name": self.name, "description": self.description, "input_schema": self.input_schema}

    def describe(self, input: dict[str, Any], ctx: ToolContext) -> str:
        """What this call will do, for a consent prompt (plain text; may be a diff or code)."""
        return f"{self.name} {json.dumps(input, ensure_ascii=False, indent=1)}"

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        """The result text for the model; raise ToolError for an error result."""
        raise ToolError(f"{self.name} has no implementation here.", hint="This is a bug in vibing2-lab.")

    def __repr__(self) -> str:
        return f"<Tool {self.name}>"


def cut(text: str, limit: int, *, what: str = "output") -> str:
    """`text` within `limit` characters, with a note saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n[… {what} cut: {len(text) - limit:,} more characters not shown]"
