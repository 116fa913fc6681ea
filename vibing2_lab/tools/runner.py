"""Running one tool call the model asked for: look up, validate, decide, consent, run, bound.

    runner = ToolRunner(policy, consent=nobody_to_ask, ctx=ToolContext(cwd))
    step = runner.run(tool_use_event, offered)     # a ToolStep, never raises for a tool failure
    step.event()                                   # the ToolResultEvent to stream

Every way a call can go wrong becomes a ToolStep with status "error" or "denied" whose
content tells the model what happened, so the loop continues: a tool the agent was not
given, input that is not JSON or does not fit the schema (e.g. cut off by max_tokens),
a denial (by config, by the user, or because nobody could be asked), a ToolError, or a
bug in the tool. Only KeyboardInterrupt (Ctrl+C / Stop) escapes, after the step is kept
as the exception's `.step`, so the loop can record it and the session keep the partial answer.

The runner belongs to one ask: "allow for this ask" approvals live here, shared by the
ask's agents, and a lock keeps to one open consent question at a time (fan-out).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..errors import ToolError, ToolInputError
from ..events import ToolResultEvent, ToolStatus, ToolUseEvent
from .base import Tool, ToolContext, cut
from .consent import Consent, Decision, PendingCall, nobody_to_ask
from .policy import Policy, matches

if TYPE_CHECKING:
    from ..providers import Cancel

__all__ = ["PREVIEW_CHARS", "ToolRunner", "ToolStep", "validate_input"]

PREVIEW_CHARS = 400  # of a result, in tool_result events (the full text is in the record)


@dataclass
class ToolStep:
    """One tool call as it ran: recorded in the notebook and the store; replay feeds `content` back."""

    id: str
    name: str
    input: dict[str, Any]
    status: ToolStatus
    content: str  # the full result text the model was given
    consent: dict[str, str] = field(default_factory=dict)  # Decision.to_dict(): how it was decided
    duration: float = 0.0

    @property
    def is_error(self) -> bool:
        return self.status != "ok"

    def event(self, agent: str | None = None) -> ToolResultEvent:
        return ToolResultEvent(id=self.id, name=self.name, status=self.status, is_error=self.is_error,
                               content=cut(self.content, PREVIEW_CHARS, what="result"), agent=agent)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToolStep:
        return cls(str(data["id"]), str(data["name"]), dict(data.get("input") or {}), data["status"],
                   str(data["content"]), consent=dict(data.get("consent") or {}),
                   duration=float(data.get("duration") or 0.0))


def validate_input(tool: Tool, use: ToolUseEvent, *, stop_reason: str | None = None) -> dict[str, Any]:
    """The call's input, checked against the tool's schema; ToolInputError saying what is wrong."""
    if use.raw_input is not None:
        if stop_reason == "max_tokens":
            raise ToolInputError(
                f"The input of this {use.name} call was cut off by the max_tokens limit "
                f"({len(use.raw_input):,} characters arrived, the JSON is incomplete); it was not run.",
                hint="Send a shorter call (e.g. write the file in smaller pieces), or raise max_tokens.")
        raise ToolInputError(f"The input of this {use.name} call is not a JSON object: {use.raw_input[:200]!r}.",
                             hint="Send the input as one JSON object matching the tool's input_schema.")
    import jsonschema  # here: only a tool call pays for it

    errors = sorted(jsonschema.Draft202012Validator(tool.input_schema).iter_errors(use.input),
                    key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "input"
        raise ToolInputError(f"Invalid input for {use.name}: {where}: {errors[0].message}.",
                             hint="Send the input fields the tool's input_schema lists.")
    return use.input


def _clean(text: str) -> str:
    """A result as it may leave the process: never empty (an API refuses an empty result), and
    without API keys (`env` in Bash or os.environ in Python would print them into the record)."""
    import os

    from ..keys import redact

    secrets = [v for k, v in os.environ.items() if k.endswith("_API_KEY") and len(v) >= 8]
    return redact(text, *secrets) if text else "(no output)"


class ToolRunner:
    """Runs the tool calls of one ask under its policy and consent."""

    def __init__(self, policy: Policy | None = None, *, consent: Consent = nobody_to_ask,
                 ctx: ToolContext) -> None:
        self.policy = policy or Policy()
        self.consent = consent
        self.ctx = ctx
        self.approved: set[str] = set()  # "allow for this ask"
        self._lock = threading.Lock()

    def run(self, use: ToolUseEvent, offered: Mapping[str, Tool], *, stop_reason: str | None = None,
            cancel: Cancel | None = None, on_file_written: Callable[[str, str], None] | None = None) -> ToolStep:
        """Run `use` if it may run; every outcome is a ToolStep (only KeyboardInterrupt raises).
        `cancel` (the stream's stop signal) and `on_file_written` (the call's) go to the tool's context."""
        changes: dict[str, Any] = {"cancel": cancel} if cancel is not None else {}
        if on_file_written is not None:
            changes["on_file_written"] = on_file_written
        ctx = replace(self.ctx, **changes) if changes else self.ctx
        started = time.monotonic()
        step = ToolStep(use.id, use.name, use.input, "error", "")
        tool = offered.get(use.name)
        try:
            if tool is None:
                names = ", ".join(sorted(offered)) or "none"
                raise ToolError(f"There is no tool {use.name!r} here.", hint=f"The tools you have: {names}.")
            validate_input(tool, use, stop_reason=stop_reason)
            decision = self._decide(tool, use)
            step.consent = decision.to_dict()
            if not decision.allowed:
                step.status = "denied"
                step.content = f"Denied: {decision.reason or 'the user said no'}. The tool did not run."
                return step
            step.content = cut(tool.run(use.input, ctx), ctx.limits.max_output_chars)
            step.status = "ok"
        except ToolError as exc:
            step.content = str(exc)
        except KeyboardInterrupt as exc:
            step.content = "Interrupted by the user (Stop / Ctrl+C) while the tool ran."
            step.duration = time.monotonic() - started
            exc.step = step  # type: ignore[attr-defined]  # the loop records it before the answer ends
            raise
        except Exception as exc:  # a bug in a tool must not end the answer: the model is told
            step.content = f"{use.name} failed: {type(exc).__name__}: {exc}"
        finally:
            step.duration = time.monotonic() - started
            step.content = _clean(step.content)
        return step

    def _decide(self, tool: Tool, use: ToolUseEvent) -> Decision:
        verdict = self.policy.decide(tool)
        if verdict == "deny":
            return Decision.deny(f"{tool.name} is denied by the tools.deny list in config.yaml", by="policy")
        if verdict == "allow":
            by = "allow-flag" if any(matches(p, tool.name) for p in self.policy.approved) else "policy"
            return Decision.once(by=by)
        with self._lock:  # one question at a time, and a fan-out sibling may have just approved it
            if tool.name in self.approved:
                return Decision.once(by="ask")
            # A call that cannot succeed (describe raises ToolError: a path outside, a missing
            # old_string) becomes its error result without bothering the user.
            pending = PendingCall(use.id, use.name, use.input, tool.describe(use.input, self.ctx), use.agent)
            try:
                decision = self.consent(pending)
            except Exception as exc:  # a broken consent must deny, never run the tool
                return Decision.deny(f"consent could not be asked ({type(exc).__name__}: {exc})", by="nobody")
            if decision.verdict == "ask":
                self.approved.add(tool.name)
            return decision
