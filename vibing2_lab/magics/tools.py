"""Where a `%%vibe` cell's tools act, and how they ask: the kernel's side of agent mode.

    cwd        the notebook's folder (the kernel's working directory, as Jupyter starts it)
    namespace  the user's variables (Python / Variables see and change what the user has)
    notebook   the live notebook through the front end (bridge.py)
    consent    the panel's question answered over stdin (consent.py); nbclient: nobody to ask

The panel exists only once the Session is resolved (it shows one answer per agent), so the
questions' destination is bound after the output opens: `CellTools.attach(output)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import context
from .consent import consent_for
from .stdin import KernelStdin

if TYPE_CHECKING:
    from ..tools import Consent, Decision, PendingCall, ToolContext
    from .bridge import FrontEndNotebook


class CellTools:
    """The tool context and consent of one `%%vibe` cell; `close()` when the cell ends."""

    def __init__(self, shell: Any) -> None:
        from ..tools import ToolContext
        from .bridge import FrontEndNotebook

        in_kernel = getattr(shell, "kernel", None) is not None
        self.stdin = KernelStdin(shell) if in_kernel else None
        self.output: Any = None  # PanelOutput, once open
        self.notebook: FrontEndNotebook = FrontEndNotebook(self.stdin, None, saved=context.notebook_path(shell))
        self.context: ToolContext = ToolContext(cwd=Path.cwd(), namespace=shell.user_ns, notebook=self.notebook)
        self.consent: Consent = consent_for(shell, self.stdin, self if in_kernel else None)
        self.handed_over = False

    def attach(self, output: Any) -> None:
        """Questions and notebook requests go to this output's panel from now on."""
        self.output = output
        steps = getattr(output, "steps", None)
        if steps is not None:
            self.notebook.send = output.panel.send
            output.stdin = self.stdin

    # Questions (consent.py): forwarded to the panel's steps; without a panel, only the prompt.
    def show_question(self, pending: PendingCall, token: str) -> None:
        steps = getattr(self.output, "steps", None)
        if steps is not None:
            steps.show_question(pending, token)

    def close_question(self, pending: PendingCall, decision: Decision | None) -> None:
        steps = getattr(self.output, "steps", None)
        if steps is not None:
            steps.close_question(pending, decision)

    def background(self) -> None:
        """A `--bg` job: nobody can answer on stdin (it belongs to the running cell), so tools that
        need consent are denied with the reason (jobs.background_consent) and the notebook bridge
        falls back to the saved file."""
        from .jobs import background_consent

        if self.stdin is not None:
            self.stdin.allowed = False
        self.consent = background_consent

    def handover(self) -> CellTools:
        """The job now owns these tools and closes them when it ends."""
        self.handed_over = True
        return self

    def close(self) -> None:
        if self.stdin is not None:
            self.stdin.close()
