"""Consent: asking the user before a tool call that the policy says needs it.

The adapter supplies a Consent: a callable given the PendingCall (tool, input, and the
description of what it will do) that returns a Decision:

    Decision.once()           allow this call
    Decision.for_ask()        allow this tool for the rest of this ask (cell / command)
    Decision.deny(reason)     deny; the reason goes back to the model in the error result

Consents in the box:
    nobody_to_ask    denies at once, saying nobody could be asked (nbclient, a pipe, CI):
                     the default everywhere, so nothing ever hangs waiting for an answer
    tty_consent      y / a / N[: reason] on the controlling terminal (the CLI)

A consent may be called from several threads (fan-out); the runner serialises the calls so
only one question is open at a time.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, TextIO

__all__ = ["Consent", "Decision", "PendingCall", "nobody_to_ask", "tty_consent"]

Verdict = Literal["once", "ask", "deny"]


@dataclass(frozen=True)
class PendingCall:
    """A tool call waiting for consent."""

    id: str
    name: str
    input: dict[str, Any]
    description: str  # what it will do: the code, the command, a diff
    agent: str | None = None


@dataclass(frozen=True)
class Decision:
    """The answer to a PendingCall; `by` says who decided (kept in the record)."""

    verdict: Verdict
    reason: str = ""
    by: str = "user"  # user | nobody | policy | allow-flag | ask (allowed earlier in this ask)

    @classmethod
    def once(cls, *, by: str = "user") -> Decision:
        return cls("once", by=by)

    @classmethod
    def for_ask(cls, *, by: str = "user") -> Decision:
        return cls("ask", by=by)

    @classmethod
    def deny(cls, reason: str = "", *, by: str = "user") -> Decision:
        return cls("deny", reason, by=by)

    @property
    def allowed(self) -> bool:
        return self.verdict != "deny"

    def to_dict(self) -> dict[str, str]:
        return {"verdict": self.verdict, "by": self.by, "reason": self.reason}


Consent = Callable[[PendingCall], Decision]


def nobody_to_ask(pending: PendingCall) -> Decision:
    """Deny at once: there is no one to ask (no TTY, nbclient, CI)."""
    return Decision.deny(f"{pending.name} needs the user's consent and nobody could be asked "
                         f"(no terminal or panel). Pre-approve it with --allow {pending.name}.", by="nobody")


@dataclass
class tty_consent:  # noqa: N801 - used like a function: consent=tty_consent()
    """Ask y/a/N on a terminal; anything but y or a denies. Not a TTY: nobody_to_ask."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    out: TextIO = field(default_factory=lambda: sys.stderr)

    def __call__(self, pending: PendingCall) -> Decision:
        if not (self.stdin.isatty() and self.out.isatty()):
            return nobody_to_ask(pending)
        who = f" ({pending.agent})" if pending.agent else ""
        self.out.write(f"\n── {pending.name}{who} wants to run:\n{pending.description}\n"
                       f"Allow? [y]es once / [a]ll {pending.name} calls in this ask / [N]o[: reason] ")
        self.out.flush()
        try:
            answer = self.stdin.readline()
        except (EOFError, OSError):
            answer = ""
        return parse_answer(answer)


def parse_answer(answer: str) -> Decision:
    """A typed answer (y, a, n: reason) → Decision; shared by the terminal and the panel's stdin prompt."""
    head, _, reason = answer.strip().partition(":")
    head = head.strip().lower()
    if head in ("y", "yes", "once"):
        return Decision.once()
    if head in ("a", "all", "always", "ask"):
        return Decision.for_ask()
    return Decision.deny(reason.strip() or ("denied by the user" if head else "no answer: denied"))
