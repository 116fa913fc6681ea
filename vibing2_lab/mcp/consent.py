"""Consent for the tools of an agent asked through `vibing2-lab mcp`: the MCP client's user is
asked by elicitation (the protocol's way to ask the human). A client that cannot elicit, or
a question left unanswered for `timeout` seconds, denies: nothing waits forever."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, Field

from ..tools.consent import Decision, PendingCall, nobody_to_ask

ANSWER_TIMEOUT = 300.0  # seconds a human gets to answer


class Answer(BaseModel):
    """What the client's form asks for (elicitation allows flat primitive fields only)."""

    allow: bool = Field(description="Run this tool call")
    for_this_ask: bool = Field(default=False, description="Also allow this tool's further calls in this answer")


class ElicitConsent:
    """A Consent (tools/consent.py) over the MCP request being answered."""

    def __init__(self, ctx: Any, loop: asyncio.AbstractEventLoop, *, timeout: float = ANSWER_TIMEOUT) -> None:
        self.ctx, self.loop, self.timeout = ctx, loop, timeout

    def can_ask(self) -> bool:
        caps = self.ctx.client_capabilities
        return caps is not None and caps.elicitation is not None

    def __call__(self, pending: PendingCall) -> Decision:
        import concurrent.futures

        if not self.can_ask() or _on_loop(self.loop):  # the loop thread must never wait on itself
            return nobody_to_ask(pending)
        who = f" ({pending.agent})" if pending.agent else ""
        message = f"vibing2-lab: {pending.name}{who} wants to run:\n\n{pending.description}"
        future = asyncio.run_coroutine_threadsafe(self.ctx.elicit(message, Answer), self.loop)
        try:
            result = future.result(self.timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            return Decision.deny(f"no answer within {self.timeout:g} s: denied")
        except Exception as exc:  # the client failed the request: treat as no
            return Decision.deny(f"the client could not ask ({exc}): denied")
        if result.action != "accept" or result.data is None or not result.data.allow:
            return Decision.deny({"decline": "declined by the user", "cancel": "dismissed by the user"}
                                 .get(result.action, "denied by the user"))
        return Decision.for_ask() if result.data.for_this_ask else Decision.once()


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
