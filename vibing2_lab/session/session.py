"""One "ask": resolve agents and models, stream, store, record. Every adapter calls this.

    session = Session(Ask(prompt="...", project="demo", agents=["a", "b"]))
    for event in session.stream(cancel=cancel):      # or: async for ... in session.astream(...)
        render(event)                                  # events carry `agent` when agents are used
    session.record()                                   # the notebook record (record.py)
    session.raise_for_error()                          # the first failure as a VibeError

Bad input (unknown agent, unknown model/provider, empty or oversized prompt, invalid project
name) raises from the constructor, before anything is sent or stored. Runtime failures end
a call's stream with an ErrorEvent; the partial answer is stored with its status.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator, Sequence

from .call import Call, plain_agent
from ..events import StreamEvent

if TYPE_CHECKING:
    from ..agents import Agent, AgentRegistry, Pick
    from ..config import Settings
    from ..providers import Cancel
    from ..notebook.replay import ReplayIndex
    from ..store import Project, Store

MODES = ("single", "fanout", "chain")


@dataclass
class Ask:
    """What the user asked for, as every adapter parses it."""

    prompt: str
    project: str | None = None  # None: a one-off call, nothing stored
    agent: str | None = None
    agents: Sequence[str] = ()
    auto: bool = False
    chain: bool = False
    model: str | None = None  # provider:model or alias; overrides the agents' own
    context: str = ""  # recent notebook cells, for --auto
    store: bool = True
    cell_id: str | None = None
    replay: str | None = None  # "strict" | "fallback" | "off"; None: from settings.mode
    project_dir: Path | None = None  # where `.vibe/agents/` is looked up
    max_tokens: int | None = None
    temperature: float | None = None
    system: str | None = None  # extra instructions, after the agent's own system prompt
    format: str = "markdown"  # how adapters render the answer: markdown | code | html | text


@dataclass
class Session:
    """A resolved ask: its agents, its project, and one Call per agent once streamed."""

    ask: Ask
    settings: Settings | None = None
    registry: AgentRegistry | None = None
    store: Store | None = None
    replay_index: ReplayIndex | None = None
    agents: list[Agent] = field(default_factory=list, init=False)
    pick: Pick | None = field(default=None, init=False)
    project: Project | None = field(default=None, init=False)
    history: list[dict[str, str]] = field(default_factory=list, init=False)
    calls: list[Call] = field(default_factory=list, init=False)
    app_context: str | None = field(default=None, init=False)  # the project's files, for follow-ups (edits.py)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        from ..config import load_settings
        from ..providers import prompt_request

        self.settings = self.settings or load_settings()
        prompt_request(self.ask.prompt, model="-", settings=self.settings)  # empty/oversized: InputError now
        self.agents = self._resolve_agents()
        self.plan = [self._model_for(agent) for agent in self.agents or [None]]
        if self.ask.project and self.ask.store:
            self._open_project()

    # -- resolution ---------------------------------------------------------
    def _registry(self) -> AgentRegistry:
        if self.registry is None:
            from ..agents import default_registry

            self.registry = default_registry(project_dir=self.ask.project_dir)
        return self.registry

    def _resolve_agents(self) -> list[Agent]:
        from ..errors import InputError

        names = list(self.ask.agents) or ([self.ask.agent] if self.ask.agent else [])
        if self.ask.agent and self.ask.agents:
            raise InputError("Give either one agent or a list of agents, not both.",
                             hint="Use --agent NAME, or --agents A,B.")
        if self.ask.auto and not names:
            self.pick = self._registry().pick(self.ask.prompt, context=self.ask.context)
            return [self.pick.agent]
        return [self._registry().get(name) for name in names]

    def _model_for(self, agent: Agent | None) -> str:
        from ..models import resolve_model

        spec = self.ask.model
        if spec is None and agent is not None and agent.model not in (None, "", "inherit"):
            spec = agent.model
        tier = agent.performance_tier if agent is not None and spec is None else None
        return str(resolve_model(spec, settings=self.settings, tier=tier))

    def _open_project(self) -> None:
        from .call import conversation_messages
        from ..store import Store

        self.store = self.store or Store.open()
        from ..edits import files_context

        self.project = self.store.ensure_project(self.ask.project)
        self.history = conversation_messages(self.store.history(self.project.id))
        self.app_context = files_context(self.project.file_map())

    @property
    def mode(self) -> str:
        if len(self.agents) > 1:
            return "chain" if self.ask.chain else "fanout"
        return "single"

    @property
    def replay_mode(self) -> str:
        """"off", "strict" or "fallback"."""
        if self.ask.replay is not None:
            return self.ask.replay
        return {"replay": "strict", "replay-fallback": "fallback"}.get(self.settings.mode, "off")

    # -- streaming ------------------------------------------------------------
    def make_request(self, agent: Agent, prompt: str) -> tuple[Any, Any]:
        """The (provider, request) for one agent; registers its Call. Used by orchestration."""
        from .call import new_call

        real = None if agent.name == plain_agent().name and not self.agents else agent
        call = new_call(self, real, prompt)
        self._register(call)
        return call.provider, call.request

    def _register(self, call: Call) -> None:
        """Keep `calls` in the order the agents were given: fan-out threads start in any order."""
        order = {agent.name: n for n, agent in enumerate(self.agents)}
        with self._lock:
            self.calls.append(call)
            self.calls.sort(key=lambda c: order.get(c.agent_name, -1))

    def _targets(self) -> list[Agent]:
        return self.agents or [plain_agent()]

    def stream(self, *, cancel: Cancel | None = None) -> Iterator[StreamEvent]:
        """The events of every call; the store is written as each call ends."""
        from ..agents.orchestrate import chain, fan_out

        self._store_prompt()
        run = fan_out if self.mode == "fanout" else chain
        try:
            for event in run(self._targets(), self.ask.prompt, make_request=self.make_request, cancel=cancel):
                self._finish(event)
                yield self._untag(event)
        except BaseException:  # Ctrl+C / kernel interrupt, or the consumer left: keep the partial answers
            self._cancel_unfinished()
            raise

    async def astream(self, *, cancel: Cancel | None = None) -> AsyncIterator[StreamEvent]:
        """`stream` for asyncio (the server extension)."""
        from contextlib import aclosing

        from ..agents.orchestrate import achain, afan_out

        self._store_prompt()
        run = afan_out if self.mode == "fanout" else achain
        try:
            async with aclosing(run(self._targets(), self.ask.prompt, make_request=self.make_request,
                                    cancel=cancel)) as events:
                async for event in events:
                    self._finish(event)
                    yield self._untag(event)
        except BaseException:  # task cancelled or the client left: keep the partial answers
            self._cancel_unfinished()
            raise

    def _untag(self, event: StreamEvent) -> StreamEvent:
        if not self.agents:
            event.agent = None
        return event

    # -- store and record -------------------------------------------------------
    def _store_prompt(self) -> None:
        if self.project is not None and self.store is not None:
            self.store.add_message(self.project.id, "user", self.ask.prompt, meta=self.ask_meta())

    def _call_for(self, event: StreamEvent) -> Call | None:
        """The newest call of the event's agent (events of a plain ask carry no agent)."""
        name = event.agent or plain_agent().name
        for call in reversed(self.calls):
            if call.agent_name == name:
                return call
        return None

    def _finish(self, event: StreamEvent) -> None:
        if event.type == "token":
            call = self._call_for(event)
            if call is not None:
                call.add_token(event.text)  # type: ignore[union-attr]
            return
        if event.type == "tool_use":
            call = self._call_for(event)
            if call is not None:
                call.tool_uses.append(event)  # type: ignore[arg-type]
            return
        if event.type not in ("complete", "error"):
            return
        call = self._call_for(event)
        if call is None:  # failed before a request was made (e.g. a bad model): record that too
            from .call import failed_call

            call = failed_call(self, event)
            self._register(call)
        call.finish(event, settings=self.settings)
        if self.project is not None and self.store is not None:
            call.store(self.store, self.project.id, ask_meta=self.ask_meta())

    def _cancel_unfinished(self) -> None:
        from ..events import ErrorEvent

        for call in self.calls:
            if call.final is None:
                event = ErrorEvent(kind="cancelled", message="Interrupted before the answer was complete.",
                                   hint="The partial answer is kept; run the cell again for a full one.",
                                   partial_text="".join(call.parts), status="cancelled", timings=call.elapsed(),
                                   provider=call.provider_name, model=call.model,
                                   agent=call.agent.name if call.agent else None)
                call.finish(event, settings=self.settings)
                if self.project is not None and self.store is not None:
                    call.store(self.store, self.project.id, ask_meta=self.ask_meta())

    def ask_meta(self) -> dict[str, Any]:
        """What the store keeps about this ask beside the messages (the notebook export uses it)."""
        return {"cell_id": self.ask.cell_id, "mode": self.mode, "agents": [a.name for a in self.agents],
                "auto": self.ask.auto, "model": self.ask.model, "format": self.ask.format}

    def record(self) -> dict[str, Any]:
        """The notebook record of this ask (schema in record.py)."""
        from .. import __version__
        from ..notebook.record import SCHEMA

        return {
            "schema": SCHEMA, "version": __version__, "cell_id": self.ask.cell_id, "mode": self.mode,
            "project": self.ask.project if self.ask.store else None, "prompt": self.ask.prompt,
            "format": self.ask.format, "calls": [call.record() for call in self.calls],
        }

    def failures(self) -> list[Call]:
        """Calls that ended in error or were cancelled."""
        return [call for call in self.calls if call.final is not None and call.final.type == "error"]

    def raise_for_error(self) -> None:
        """Raise the first failed call's error (with the partial text) as a VibeError."""
        from ..providers import error_from_event

        for call in self.failures():
            raise error_from_event(call.final)  # type: ignore[arg-type]
