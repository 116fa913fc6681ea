"""One model call inside an ask: its request, its final event, its record and its store rows."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..events import CompleteEvent, ErrorEvent, StreamEvent, Timings, ToolUseEvent, to_dict

if TYPE_CHECKING:
    from ..agents import Agent
    from ..providers import ModelRequest, Provider
    from . import Session
    from ..store import Store


@lru_cache(maxsize=1)
def plain_agent() -> Agent:
    """Stands in for "no agent" so one orchestration path serves every ask."""
    from ..agents import Agent

    return Agent(name="(no agent)", description="a plain model call", source="none")


@dataclass
class Call:
    """A call to one agent (or none): what was sent and how it ended."""

    agent: Agent | None
    provider_name: str
    model: str
    prompt: str
    request: ModelRequest
    provider: Provider | None
    hash: str
    final: CompleteEvent | ErrorEvent | None = None
    tool_uses: list[ToolUseEvent] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # tokens so far, kept if the stream is interrupted
    stored: bool = False
    version: int | None = None  # the version of the project's files this answer made, once stored
    started: float = field(default_factory=time.monotonic)
    first_token: float | None = None

    def add_token(self, text: str) -> None:
        if self.first_token is None:
            self.first_token = time.monotonic()
        self.parts.append(text)

    def elapsed(self) -> Timings:
        """Client-side timings so far (for an answer cut short before its final event)."""
        ttft = None if self.first_token is None else self.first_token - self.started
        return Timings(ttft=ttft, duration=time.monotonic() - self.started)

    @property
    def agent_name(self) -> str:
        return self.agent.name if self.agent is not None else plain_agent().name

    @property
    def text(self) -> str:
        if isinstance(self.final, CompleteEvent):
            return self.final.text
        return self.final.partial_text if self.final is not None else ""

    @property
    def status(self) -> str:
        return self.final.status if self.final is not None else "streaming"

    def finish(self, event: CompleteEvent | ErrorEvent, *, settings: Any) -> None:
        """Keep the final event, with its cost estimate (a replayed event keeps its recorded one)."""
        if event.cost_usd is None and event.usage.input_tokens + event.usage.output_tokens:
            event.cost_usd = settings.cost(self.model, event.usage.input_tokens, event.usage.output_tokens)
        self.final = event

    def record(self) -> dict[str, Any]:
        """This call's part of the notebook record (see record.py)."""
        from ..notebook.record import sha256_text

        agent = None if self.agent is None else {
            "name": self.agent.name, "sha256": self.agent.sha256, "source": self.agent.source}
        request = {
            "hash": self.hash, "provider": self.provider_name, "model": self.model, "agent": agent,
            "system_sha256": sha256_text(self.request.system),
            "parameters": {"max_tokens": self.request.max_tokens, "temperature": self.request.temperature},
            "prompt": self.prompt, "messages": self.request.messages[:-1],
        }
        return {"request": request, "response": self.response()}

    def response(self) -> dict[str, Any]:
        final = self.final
        data = to_dict(final) if final is not None else {}
        error = None
        if isinstance(final, ErrorEvent):
            error = {"kind": final.kind, "message": final.message}
        return {
            "status": self.status, "text": self.text, "stop_reason": data.get("stop_reason"),
            "request_id": data.get("request_id"), "usage": data.get("usage", {}),
            "timings": data.get("timings", {}), "cost_usd": data.get("cost_usd"),
            "tool_uses": [{"id": t.id, "name": t.name, "input": t.input} for t in self.tool_uses],
            "error": error,
        }

    def store(self, store: Store, project_id: int, *, ask_meta: dict[str, Any]) -> None:
        """Write the answer (partial or complete), its run and its generated files, once.
        The message keeps this call's record, so a project exports back to a notebook."""
        if self.stored or self.final is None:
            return
        from ..edits import apply_answer
        from ..store import Run

        final = self.final
        usage, timings = final.usage, final.timings
        run = Run(agent=self.agent.name if self.agent else None, provider=self.provider_name, model=self.model,
                  status=final.status, input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
                  cost_usd=final.cost_usd, ttft_s=timings.ttft, duration_s=timings.duration,
                  request_id=final.request_id, error_kind=final.kind if isinstance(final, ErrorEvent) else None)
        change = apply_answer(self.text, store.version_files(project_id)) if final.status == "complete" else None
        meta = {**ask_meta, "record": self.record()}
        if change is not None and change.problems:
            meta["edit_problems"] = change.problems
        message = store.record_answer(project_id, self.text, agent=run.agent, status=final.status, run=run,
                                      files=change.files if change else {}, meta=meta, prompt=self.prompt)
        self.version = message.version
        self.stored = True


def new_call(session: Session, agent: Agent | None, prompt: str) -> Call:
    """Resolve model and provider for `agent`, build the request, and register it for replay."""
    from ..models import resolve_model
    from ..providers import prompt_request
    from ..notebook.record import request_hash, sha256_text

    settings = session.settings
    index = session.agents.index(agent) if agent is not None and agent in session.agents else 0
    ref = resolve_model(session.plan[index], settings=settings)
    request = prompt_request(prompt, model=ref.model, settings=settings,
                             system=_system(agent, session.ask.system, session.app_context),
                             history=session.history, max_tokens=session.ask.max_tokens,
                             temperature=session.ask.temperature)
    digest = request_hash(provider=ref.provider, model=ref.model, agent_sha256=agent.sha256 if agent else None,
                          system_sha256=sha256_text(request.system),
                          parameters={"max_tokens": request.max_tokens, "temperature": request.temperature},
                          prompt=prompt)
    request.metadata.update(agent=agent.name if agent else None, hash=digest, cell_id=session.ask.cell_id)
    provider = _provider_for(session, ref.provider, agent)
    if hasattr(provider, "adopt_history"):
        provider.adopt_history(request)
    return Call(agent, ref.provider, ref.model, prompt, request, provider, digest)


def _system(agent: Agent | None, *extra: str | None) -> str | None:
    parts = [agent.system_prompt if agent else None, *extra]
    return "\n\n".join(p for p in parts if p) or None


def _provider_for(session: Session, provider_name: str, agent: Agent | None) -> Provider:
    """The live provider, or in replay mode the replay provider (with the live one as fallback)."""
    from ..providers import get_provider

    live = None if session.replay_mode == "strict" else get_provider(provider_name, settings=session.settings)
    if session.replay_mode == "off":
        return live
    from ..notebook.replay import ReplayIndex, ReplayProvider

    index = session.replay_index or ReplayIndex.discover()
    session.replay_index = index
    return ReplayProvider(index, settings=session.settings, fallback=live, cell_id=session.ask.cell_id,
                          agent=agent)


def failed_call(session: Session, event: ErrorEvent) -> Call:
    """A call that failed before its request existed (e.g. an unknown model)."""
    from ..providers import ModelRequest

    agent = next((a for a in session.agents if a.name == event.agent), None)
    ref = session.plan[session.agents.index(agent)] if agent in session.agents else session.plan[0]
    provider, _, model = ref.partition(":")
    request = ModelRequest(model=model, messages=[{"role": "user", "content": session.ask.prompt}])
    return Call(agent, provider, model, session.ask.prompt, request, None, "", final=event)


def conversation_messages(history: list[Any]) -> list[dict[str, str]]:
    """Stored messages → what a provider accepts: alternating user/assistant turns, starting
    with the user, without a dangling unanswered prompt, several agents' answers merged
    in the order the agents were asked (fan-out answers are stored as they finish)."""
    turns: list[dict[str, Any]] = []
    for message in history:
        if message.role not in ("user", "assistant") or not message.content.strip():
            continue
        if turns and turns[-1]["role"] == message.role:
            turns[-1]["parts"].append((message.agent, message.content))
        else:
            order = list((message.meta or {}).get("agents") or []) if message.role == "user" else []
            turns.append({"role": message.role, "parts": [(message.agent, message.content)], "order": order})
    while turns and turns[0]["role"] != "user":
        turns.pop(0)
    if turns and turns[-1]["role"] == "user":
        turns.pop()
    for asked, answered in zip(turns[::2], turns[1::2]):
        order = asked["order"]
        answered["parts"].sort(key=lambda part: order.index(part[0]) if part[0] in order else len(order))
    return [{"role": t["role"], "content": _join(t["parts"])} for t in turns]


def _join(parts: list[tuple[str | None, str]]) -> str:
    if len(parts) == 1:
        return parts[0][1]
    return "\n\n".join(f"[{agent}]\n{text}" if agent else text for agent, text in parts)


def event_is_final(event: StreamEvent) -> bool:
    return event.type in ("complete", "error")
