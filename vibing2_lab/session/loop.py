"""The tool-use loop: one agent's answer over as many model requests as its tool calls need.

A ToolLoop stands where a provider stands (`stream` / `astream` of a ModelRequest), so
orchestration (single, fan-out, chain) runs tool-using agents unchanged:

    request 1 (tools offered) → tokens, tool_use … → run each call (ToolRunner: policy,
    consent, the tool) → tool_result events → request 2 = request 1 + the model's turn +
    the results (provider.tool_turn: the API's own shape) → … until the model stops
    calling tools, or `max_steps` requests were made (an error saying so).

The caller sees one answer: tokens of every request (a blank line between the texts of two
requests), the tool events, then ONE complete/error event whose text is the whole answer
and whose usage adds up every request. Each request is appended to `steps` (which the
Call records, see record.py) as soon as it ends and its tool results as they come, so an
answer stopped mid-tool keeps every step so far. `files` holds what Write/Edit wrote. Replay never runs this loop: the ReplayProvider
streams the recorded steps (tools are never run again).
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator

from ..events import FINAL_TYPES, ErrorEvent, StreamEvent, Timings, TokenEvent, ToolUseEvent, Usage

if TYPE_CHECKING:
    from ..providers import Cancel, ModelRequest, Provider
    from ..tools import Tool, ToolRunner

SEPARATOR = "\n\n"  # between the texts of two requests of one answer


class ToolLoop:
    """A provider that answers by calling `provider` until the model stops using tools."""

    def __init__(self, provider: Provider, tools: list[Tool], runner: ToolRunner, *, max_steps: int) -> None:
        self.provider = provider
        self.name = provider.name
        self.tools = {tool.name: tool for tool in tools}
        self.definitions = [tool.definition() for tool in tools]
        self.runner = runner
        self.max_steps = max_steps
        self.steps: list[dict[str, Any]] = []  # one per model request (record.py `steps`)
        self.files: dict[str, str] = {}  # written by Write/Edit: path -> text

    def _run(self, use: ToolUseEvent, stop_reason: str | None, cancel: Cancel | None) -> Any:
        adapter_hook = self.runner.ctx.on_file_written

        def written(path: str, text: str) -> None:
            self.files[path] = text
            if adapter_hook is not None:
                adapter_hook(path, text)

        return self.runner.run(use, self.tools, stop_reason=stop_reason, cancel=cancel, on_file_written=written)

    def stream(self, request: ModelRequest, *, cancel: Cancel | None = None) -> Iterator[StreamEvent]:
        turn = _Answer(self, request)
        for n in range(self.max_steps):
            final = None
            for event in self.provider.stream(turn.request(), cancel=cancel):
                if event.type in FINAL_TYPES:
                    final = event
                    break
                yield from turn.seen(event)
            ending = turn.ended(final, last_step=n == self.max_steps - 1)
            if ending is not None:
                yield ending
                return
            for use in turn.uses:
                try:
                    step = self._run(use, turn.stop_reason, cancel)
                except KeyboardInterrupt as exc:
                    shown = turn.interrupted(exc)
                    if cancel is not None and cancel.stopped:  # Stop, not Ctrl+C: end like a stopped stream
                        yield from shown
                        yield turn.cancelled()
                        return
                    raise
                yield turn.keep(step)
            turn.continue_after_tools()

    async def astream(self, request: ModelRequest, *, cancel: Cancel | None = None) -> AsyncIterator[StreamEvent]:
        """`stream` for asyncio: tools run in a worker thread, so the event loop never blocks."""
        import asyncio
        from contextlib import aclosing

        turn = _Answer(self, request)
        for n in range(self.max_steps):
            final = None
            async with aclosing(self.provider.astream(turn.request(), cancel=cancel)) as events:
                async for event in events:
                    if event.type in FINAL_TYPES:
                        final = event
                        break
                    for out in turn.seen(event):
                        yield out
            ending = turn.ended(final, last_step=n == self.max_steps - 1)
            if ending is not None:
                yield ending
                return
            for use in turn.uses:
                try:
                    step = await asyncio.to_thread(self._run, use, turn.stop_reason, cancel)
                except KeyboardInterrupt as exc:  # a stopped tool in the worker thread: never take the server down
                    for event in turn.interrupted(exc):
                        yield event
                    yield turn.cancelled()
                    return
                yield turn.keep(step)
            turn.continue_after_tools()


class _Answer:
    """The state of one answer across its requests (no I/O)."""

    def __init__(self, loop: ToolLoop, request: ModelRequest) -> None:
        self.loop = loop
        self.base = request
        self.messages = list(request.messages)
        self.parts: list[str] = []  # the whole answer's text so far
        self.usage = Usage()
        self.started = time.monotonic()
        self.ttft: float | None = None
        self.step: dict[str, Any] = {}
        self.uses: list[ToolUseEvent] = []
        self.stop_reason: str | None = None
        self.last: StreamEvent | None = None
        self.called = 0  # tool calls of the whole answer (limits.MAX_TOOL_CALLS)
        self.over: str | None = None  # why tool calls past a limit were dropped (then none runs)

    def request(self) -> ModelRequest:
        # In the Call's steps from the start: an answer interrupted mid-request keeps its text.
        self.step = {"text": "", "tool_uses": [], "results": [], "stop_reason": None, "usage": {}}
        self.loop.steps.append(self.step)
        self.uses = []
        return replace(self.base, messages=list(self.messages), tools=self.loop.definitions or None)

    def seen(self, event: StreamEvent) -> list[StreamEvent]:
        """What to pass on for one event of the current request."""
        out: list[StreamEvent] = []
        if isinstance(event, TokenEvent):
            if self.ttft is None:
                self.ttft = time.monotonic() - self.started
            if not self.step["text"] and self.parts and not "".join(self.parts).endswith(SEPARATOR):
                out.append(self._token(SEPARATOR))
            out.append(self._token(event.text, event))
        elif isinstance(event, ToolUseEvent):
            if self._past_limit():  # neither run nor recorded: the record could not be replayed
                return out
            self.uses.append(event)
            use = {"id": event.id, "name": event.name, "input": event.input}
            if event.raw_input is not None:
                use["raw_input"] = event.raw_input
            self.step["tool_uses"].append(use)
            out.append(event)
        else:
            out.append(event)
        return out

    def _past_limit(self) -> bool:
        from ..limits import MAX_TOOL_CALLS, MAX_TOOL_CALLS_PER_STEP

        self.called += 1
        if len(self.uses) >= MAX_TOOL_CALLS_PER_STEP:
            self.over = f"more than {MAX_TOOL_CALLS_PER_STEP} tools in one model request"
        elif self.called > MAX_TOOL_CALLS:
            self.over = f"more than {MAX_TOOL_CALLS:,} tools in one answer"
        return self.over is not None

    def _token(self, text: str, event: TokenEvent | None = None) -> TokenEvent:
        self.parts.append(text)
        self.step["text"] += text
        return event or TokenEvent(text)

    def ended(self, final: StreamEvent | None, *, last_step: bool) -> StreamEvent | None:
        """The answer's final event when this request ends it; None when tools are to run."""
        if final is None:
            final = ErrorEvent(kind="protocol", message="the stream ended without a final event")
        self.last = final
        self._add_usage(final.usage)  # type: ignore[union-attr]
        self.stop_reason = getattr(final, "stop_reason", None)
        self.step.update(stop_reason=self.stop_reason, usage=asdict(final.usage))  # type: ignore[union-attr]
        if isinstance(final, ErrorEvent):
            return replace(final, partial_text="".join(self.parts), usage=self._usage(), timings=self._timings())
        if not self.uses:
            return replace(final, text="".join(self.parts), usage=self._usage(), timings=self._timings())
        if self.over is not None:
            return self.step_limit(f"The model called {self.over}; none of this request's tool calls ran.",
                                   "Ask for a smaller task, one that needs fewer tool calls at once.")
        return self.step_limit() if last_step else None

    def interrupted(self, exc: KeyboardInterrupt) -> list[StreamEvent]:
        """Keep the step of a tool that Stop / Ctrl+C interrupted (the runner attached it); its
        tool_result event, for a caller that can still be told."""
        step = getattr(exc, "step", None)
        return [self.keep(step)] if step is not None else []

    def keep(self, step: Any) -> StreamEvent:
        self.step["results"].append(step.to_dict())
        return step.event(self.base.metadata.get("agent"))

    def continue_after_tools(self) -> None:
        from ..tools import ToolStep

        steps = [ToolStep.from_dict(r) for r in self.step["results"]]
        self.messages += self.loop.provider.tool_turn(self.step["text"].removeprefix(SEPARATOR), self.uses, steps)

    def cancelled(self) -> ErrorEvent:
        last = self.last
        return ErrorEvent(kind="cancelled", message="Stopped by the user while a tool ran.",
                          hint="The partial answer is kept.", partial_text="".join(self.parts), status="cancelled",
                          usage=self._usage(), timings=self._timings(), provider=getattr(last, "provider", None),
                          model=getattr(last, "model", None), request_id=getattr(last, "request_id", None))

    def step_limit(self, message: str | None = None, hint: str | None = None) -> ErrorEvent:
        last = self.last
        n = self.loop.max_steps
        return ErrorEvent(kind="step_limit",
                          message=message or f"The agent was still calling tools after {n} model requests "
                                             "(tools.max_steps); its last tool calls did not run.",
                          hint=hint or "Raise tools.max_steps in config.yaml, or ask for a smaller task.",
                          partial_text="".join(self.parts), usage=self._usage(), timings=self._timings(),
                          provider=getattr(last, "provider", None), model=getattr(last, "model", None),
                          request_id=getattr(last, "request_id", None))

    def _add_usage(self, usage: Usage) -> None:
        for name in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"):
            setattr(self.usage, name, getattr(self.usage, name) + getattr(usage, name))

    def _usage(self) -> Usage:
        return replace(self.usage)

    def _timings(self) -> Timings:
        return Timings(ttft=self.ttft, duration=time.monotonic() - self.started)
