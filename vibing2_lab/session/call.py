"""One agent's answer inside an ask: its request, its events, how it ended, and storing it once."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Sequence

from ..errors import VibeError
from ..events import FINAL_TYPES, CompleteEvent, ErrorEvent, StreamEvent, Timings, ToolUseEvent
from ..log_text import logger

if TYPE_CHECKING:
    from ..agents import Agent
    from ..config import Settings
    from ..models import ModelRef
    from ..providers import ModelRequest, Provider
    from ..store import Store
    from ..tools import Tool


log = logger(__name__)
CHECKPOINT_SECONDS = 1.0  # how often a streaming answer's text is saved (what a crash can lose)


PLAIN_NAME = "(no agent)"  # plain_agent()'s name, asked at every token


@lru_cache(maxsize=1)
def plain_agent() -> Agent:
    """Stands in for "no agent" so one orchestration path serves every ask."""
    from ..agents import Agent

    return Agent(name=PLAIN_NAME, description="a plain model call", source="none")


@dataclass
class Call:
    """One agent's answer (or a plain model's): its request, its events, how it ended.

    Built from explicit arguments by `Call.open` (or `Call.failed` when no request could be
    made); fed its own events through `on_event`; stored and recorded once it has ended.
    The Session only orchestrates: which calls, in which order, with which provider."""

    agent: Agent | None
    provider_name: str
    model: str
    prompt: str
    request: ModelRequest
    provider: Provider | None
    hash: str
    settings: Settings | None = field(default=None, repr=False)  # prices, for the cost estimate
    final: CompleteEvent | ErrorEvent | None = None
    tool_uses: list[ToolUseEvent] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # tokens so far, kept if the stream is interrupted
    stored: bool = False
    version: int | None = None  # the version of the project's files this answer made, once stored
    started: float = field(default_factory=time.monotonic)
    first_token: float | None = None
    checkpoint_id: int | None = None  # the `streaming` row holding the text so far (a crash keeps it)
    checkpoint_at: float = 0.0
    tools: list[str] = field(default_factory=list)  # the names of the tools offered

    @classmethod
    def open(cls, agent: Agent | None, ref: ModelRef, prompt: str, *, provider: Provider, settings: Settings,
             history: list[dict[str, str]] = (), system: str | None = None, max_tokens: int | None = None,
             temperature: float | None = None, cell_id: str | None = None, tools: Sequence[Tool] = ()) -> Call:
        """The request for `prompt` to `ref` (after `history`, with the agent's system prompt then
        `system`, offering `tools`), hashed for the record; a replay provider may swap in the
        recorded history. With tools, `provider` is a ToolLoop (or a replay of one)."""
        from ..providers import prompt_request
        from ..notebook.record import request_hash, sha256_text

        request = prompt_request(prompt, model=ref.model, settings=settings, system=_system(agent, system),
                                 history=list(history), max_tokens=max_tokens, temperature=temperature)
        fields = dict(provider=ref.provider, model=ref.model, agent_sha256=agent.sha256 if agent else None,
                      system_sha256=sha256_text(request.system),
                      parameters={"max_tokens": request.max_tokens, "temperature": request.temperature}, prompt=prompt)
        digest = request_hash(**fields, tools=[tool.definition() for tool in tools])
        request.metadata.update(agent=agent.name if agent else None, hash=digest, cell_id=cell_id)
        if tools:  # a record from before agent mode may answer it in replay (replay.py)
            request.metadata["hash_before_tools"] = request_hash(**fields)
        if hasattr(provider, "adopt_history"):
            provider.adopt_history(request)
        return cls(agent, ref.provider, ref.model, prompt, request, provider, digest, settings=settings,
                   tools=[tool.name for tool in tools])

    @classmethod
    def failed(cls, agent: Agent | None, ref: ModelRef, prompt: str, event: ErrorEvent, *,
               settings: Settings) -> Call:
        """A call that failed before its request existed (e.g. no key for its provider)."""
        from ..providers import ModelRequest

        request = ModelRequest(model=ref.model, messages=[{"role": "user", "content": prompt}])
        call = cls(agent, ref.provider, ref.model, prompt, request, None, "", settings=settings)
        call.finish(event)
        return call

    def on_event(self, event: StreamEvent) -> bool:
        """Take one of this call's events; True when it was the final one."""
        if event.type == "token":
            self.add_token(event.text)  # type: ignore[union-attr]
        elif event.type == "tool_use":
            self.tool_uses.append(event)  # type: ignore[arg-type]
        elif event.type in FINAL_TYPES:
            self.finish(event)  # type: ignore[arg-type]
            return True
        return False

    def add_token(self, text: str) -> None:
        if self.first_token is None:
            self.first_token = time.monotonic()
        self.parts.append(text)

    def elapsed(self) -> Timings:
        """Client-side timings so far (for an answer cut short before its final event)."""
        ttft = None if self.first_token is None else self.first_token - self.started
        return Timings(ttft=ttft, duration=time.monotonic() - self.started)

    @property
    def steps(self) -> list[dict[str, Any]]:
        """The tool loop's requests so far (record.py `steps`): kept by the provider that ran
        them, a ToolLoop or the ReplayProvider that replayed them."""
        return list(getattr(self.provider, "steps", None) or [])

    @property
    def written(self) -> dict[str, str]:
        """Files this call's Write/Edit tools wrote: path -> text."""
        return dict(getattr(self.provider, "files", None) or {})

    @property
    def agent_name(self) -> str:
        return self.agent.name if self.agent is not None else PLAIN_NAME

    @property
    def text(self) -> str:
        if isinstance(self.final, CompleteEvent):
            return self.final.text
        return self.final.partial_text if self.final is not None else ""

    @property
    def status(self) -> str:
        return self.final.status if self.final is not None else "streaming"

    def finish(self, event: CompleteEvent | ErrorEvent) -> None:
        """Keep the final event, with its cost estimate (a replayed event keeps its recorded one)."""
        usage = event.usage
        if event.cost_usd is None and usage.input_tokens + usage.output_tokens and self.settings is not None:
            event.cost_usd = self.settings.cost(self.model, usage.input_tokens, usage.output_tokens)
        self.final = event

    def cancel(self) -> None:
        """End a call still streaming as cancelled, keeping the tokens it had (Ctrl+C, client gone)."""
        if self.final is not None:
            return
        self.finish(ErrorEvent(kind="cancelled", message="Interrupted before the answer was complete.",
                               hint="The partial answer is kept; run the cell again for a full one.",
                               partial_text="".join(self.parts), status="cancelled", timings=self.elapsed(),
                               provider=self.provider_name, model=self.model,
                               agent=self.agent.name if self.agent else None))

    def store(self, store: Store, project_id: int, *, ask_meta: dict[str, Any]) -> None:
        """Store the answer (partial or complete) with its run and files, once (see record_store.store_call)."""
        if self.stored or self.final is None:
            return
        from ..notebook.record import call_record
        from ..notebook.record_store import store_call

        self.version = store_call(store, project_id, call_record(self), ask_meta=ask_meta, written=self.written,
                                  message_id=self.checkpoint_id).version
        self.stored = True

    def checkpoint_due(self, every: float = CHECKPOINT_SECONDS) -> bool:
        """Whether `checkpoint` would write now (cheap: asked at every token)."""
        if self.stored or self.final is not None or self.checkpoint_at < 0 or self.first_token is None:
            return False
        return time.monotonic() - max(self.checkpoint_at, self.first_token) >= every

    def checkpoint(self, store: Store, project_id: int, *, every: float = CHECKPOINT_SECONDS) -> None:
        """Keep the text so far in the store: `every` s after the first token, then every `every` s.
        A SIGKILL then loses only the last second or so; `store()` finishes the same row. Not at
        the first token itself: that write kept one token more and cost every answer a write
        (an answer shorter than `every` now writes once, when it ends)."""
        if not self.checkpoint_due(every):
            return
        self.checkpoint_at = time.monotonic()
        try:
            self.checkpoint_id = store.checkpoint_answer(project_id, "".join(self.parts), message_id=self.checkpoint_id,
                                                         agent=self.agent.name if self.agent else None)
        except VibeError as exc:  # a busy or read-only store must not break the answer streaming in
            log.warning("could not checkpoint the answer so far: %s", exc)
            self.checkpoint_at = -1.0  # no more tries for this answer


def _system(agent: Agent | None, extra: str | None) -> str | None:
    parts = [agent.system_prompt if agent else None, extra]
    return "\n\n".join(p for p in parts if p) or None
