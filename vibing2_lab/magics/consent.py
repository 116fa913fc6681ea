"""Consent for a `%%vibe` cell's tool calls: asked in the panel, answered over the kernel's stdin.

The kernel shows the pending call in the panel (the code, the command, the diff) with Allow
once / Allow for this cell / Deny, then waits on its stdin channel (stdin.py explains why
not a widget message). The panel's buttons answer that stdin question; a person can also
type `y`, `a` or `n[: reason]` in JupyterLab's input box, or in any client with stdin
(jupyter console). Answers are parsed by tools.consent.parse_answer, as the CLI's are.

    nbclient (allow_stdin=False)    denied at once: "nobody could be asked"
    Stop / Ctrl+C while asking      KeyboardInterrupt: the answer stops, its partial text kept
    the cell ends while asking      (a fan-out worker) denied: the cell is gone
    terminal IPython (no kernel)    tools.consent.tty_consent: y/a/N on the terminal
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from .stdin import KernelStdin, NoStdin, StdinClosed, new_token

if TYPE_CHECKING:
    from ..tools import Consent, Decision, PendingCall

BRIEF_CHARS = 60


class Questions(Protocol):
    """Where a question is shown while the kernel waits (the panel: output.PanelOutput)."""

    def show_question(self, pending: PendingCall, token: str) -> None: ...

    def close_question(self, pending: PendingCall, decision: Decision | None) -> None: ...


def prompt_for(pending: PendingCall) -> str:
    """The stdin prompt: one line that says what is asked and what to type."""
    first = next((line.strip() for line in pending.description.splitlines() if line.strip()), "")
    brief = first if len(first) <= BRIEF_CHARS else first[: BRIEF_CHARS - 1] + "…"
    who = f" ({pending.agent})" if pending.agent else ""
    return (f"{pending.name}{who} wants to run: {brief!r}. Allow? y = once, a = every {pending.name} "
            f"call in this cell, n[: reason] = deny ›")


class PanelConsent:
    """The Consent of a `%%vibe` cell in a kernel."""

    def __init__(self, stdin: KernelStdin, questions: Questions) -> None:
        self.stdin = stdin
        self.questions = questions

    def __call__(self, pending: PendingCall) -> Decision:
        from ..tools import Decision, nobody_to_ask, parse_answer

        if not self.stdin.allowed:
            return nobody_to_ask(pending)
        token = new_token()
        self.questions.show_question(pending, token)
        decision: Decision | None = None
        try:
            decision = parse_answer(self.stdin.ask(prompt_for(pending), token))
        except NoStdin:
            decision = nobody_to_ask(pending)
        except StdinClosed:
            decision = Decision.deny("the cell ended before the question was answered", by="nobody")
        finally:  # also on KeyboardInterrupt (Stop): the question must not stay open in the panel
            self.questions.close_question(pending, decision)
        return decision


def consent_for(shell: Any, stdin: KernelStdin | None, questions: Questions | None) -> Consent:
    """The consent a cell uses: the panel's in a kernel, the terminal's in plain IPython."""
    from ..tools import tty_consent

    if stdin is None or questions is None or getattr(shell, "kernel", None) is None:
        return tty_consent()
    return PanelConsent(stdin, questions)
