"""One "ask": resolve agents and models, stream, store, record. Every adapter calls this.

    session = Session(Ask(prompt="...", project="demo", agents=["a", "b"]))
    for event in session.stream(cancel=cancel):      # or: async for ... in session.astream(...)
        render(event)                                  # events carry `agent` when agents are used
    session.record()                                   # the notebook record (record.py)
    session.raise_for_error()                          # the first failure as a VibeError

Bad input (the rules in ask.py: bad option combinations, unknown agent, unknown or
disallowed model, empty or oversized prompt; and an invalid project name) raises from the
constructor, before anything is sent or stored. Runtime failures end
a call's stream with an ErrorEvent; the partial answer is stored with its status.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterator, Sequence

from .ask import Ask, check_prompt, check_system, plan_models, resolve_agents
from .call import PLAIN_NAME, Call, plain_agent
from .pick import auto_mode, pick_record, rerank_pick
from .providing import provider_for
from .redaction import redact_agents, redact_ask
from ..events import FINAL_TYPES, StreamEvent

if TYPE_CHECKING:
    from ..budget import Ledger
    from ..agents import Agent, AgentRegistry, Pick
    from ..config import Settings
    from ..models import ModelRef
    from ..providers import Cancel
    from ..notebook.replay import ReplayIndex
    from ..store import Project, Store
    from ..tools import Consent, ToolContext, Toolbox

MODES = ("single", "fanout", "chain")


@dataclass
class Session:
    """A resolved ask: its agents, its project, and one Call per agent once streamed."""

    ask: Ask
    settings: Settings | None = None
    registry: AgentRegistry | None = None
    store: Store | None = None
    replay_index: ReplayIndex | None = None
    allowed_models: Sequence[str] = ()  # globs or model ids (c.Vibing2Lab.allowed_models); empty: any
    # Supplied by the adapter: where tools act and how consent is asked (see session/tooling.py).
    tool_context: ToolContext | None = None
    consent: Consent | None = None
    toolbox_factory: Callable[[Settings], Toolbox] | None = None  # the server's kernel-backed tools
    agents: list[Agent] = field(default_factory=list, init=False)
    models: list[ModelRef] = field(default_factory=list, init=False)
    pick: Pick | None = field(default=None, init=False)
    project: Project | None = field(default=None, init=False)
    history: list[dict[str, str]] = field(default_factory=list, init=False)
    calls: list[Call] = field(default_factory=list, init=False)
    app_context: str | None = field(default=None, init=False)  # the project's files, for follow-ups (edits.py)
    pick_call: Call | None = field(default=None, init=False)  # the model re-rank of an --auto pick
    ledger: Ledger | None = field(default=None, init=False)  # budgets (vibing2_lab.budget); None: no limits
    notices: list[str] = field(default_factory=list, init=False)  # told to the user (a redacted key)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        from ..config import load_settings

        self.settings = self.settings or load_settings()
        self.ask.check()
        check_prompt(self.ask.prompt, self.settings)
        check_system(self.ask.system, self.settings)
        keys = redact_ask(self)  # before the --auto pick: a model re-rank sends the prompt
        self.agents, self.pick = resolve_agents(self.ask, self._registry())
        redact_agents(self, keys)
        if self.pick is not None and auto_mode(self) == "model":
            self.pick, self.pick_call = rerank_pick(self)
            self.agents = [self.pick.agent]
        self.models = plan_models(self.ask, self.agents, self.settings, allowed=self.allowed_models)
        from .tooling import AskTools

        self.tooling = AskTools(self.settings, allow=tuple(self.ask.allow), ctx=self.tool_context,
                                consent=self.consent, cwd=self.ask.project_dir, replay=self.replay_mode,
                                toolbox_factory=self.toolbox_factory)
        if self.ask.project and self.ask.store:  # only now: a refused ask creates no project
            self._open_project()

    @property
    def plan(self) -> list[str]:
        """"provider:model" of each agent's call, in order (one for a plain ask)."""
        return [str(ref) for ref in self.models]

    # -- resolution ---------------------------------------------------------
    def _registry(self) -> AgentRegistry:
        if self.registry is None:
            from ..agents import default_registry

            self.registry = default_registry(project_dir=self.ask.project_dir)
        return self.registry

    def _open_project(self) -> None:
        from .history import conversation_messages
        from ..edits import files_context
        from ..store import Store

        self.store = self.store or Store.open()
        self.project = self.store.ensure_project(self.ask.project)  # with its current conversation
        self.history = conversation_messages(self.project.messages)
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
        real = None if agent.name == PLAIN_NAME and not self.agents else agent
        ref = self._ref_for(real)
        tools = self.tooling.tools_for(real)
        call = Call.open(real, ref, prompt, provider=provider_for(self, ref, real, tools), settings=self.settings,
                         history=self.history, system=self._system(), max_tokens=self.ask.max_tokens,
                         temperature=self.ask.temperature, cell_id=self.ask.cell_id, tools=tools)
        self._register(call)
        return call.provider, call.request

    def _system(self) -> str | None:
        """Extra system text after the agent's: the ask's own, then the project's files (edits.py)."""
        return "\n\n".join(p for p in (self.ask.system, self.app_context) if p) or None

    def _ref_for(self, agent: Agent | None) -> ModelRef:
        return self.models[self.agents.index(agent)] if agent in self.agents else self.models[0]

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
                work = self._finish(event)
                if work is not None:
                    work()
                yield self._untag(event)
        except BaseException:  # Ctrl+C / kernel interrupt, or the consumer left: keep the partial answers
            self._cancel_unfinished()
            raise

    async def astream(self, *, cancel: Cancel | None = None) -> AsyncIterator[StreamEvent]:
        """`stream` for asyncio (the server extension)."""
        import asyncio
        from contextlib import aclosing

        from ..agents.orchestrate import achain, afan_out

        # The store is written in a thread: a write waits for SQLite's lock (up to its busy timeout)
        # while a kernel writes, and the server's event loop must not wait with it.
        await asyncio.to_thread(self._store_prompt)
        run = afan_out if self.mode == "fanout" else achain
        try:
            async with aclosing(run(self._targets(), self.ask.prompt, make_request=self.make_request,
                                    cancel=cancel)) as events:
                async for event in events:
                    work = self._finish(event)
                    if work is not None and event.type in FINAL_TYPES:  # stored before the client hears it
                        await asyncio.to_thread(work)
                        work = None
                    yield self._untag(event)
                    if work is not None:  # a checkpoint (about once a second): after the token left
                        await asyncio.to_thread(work)
        except BaseException:  # task cancelled or the client left: keep the partial answers
            self._cancel_unfinished()
            raise

    def _untag(self, event: StreamEvent) -> StreamEvent:
        if not self.agents:
            event.agent = None
        return event

    # -- store and record -------------------------------------------------------
    def _store_prompt(self) -> None:
        from ..store.naming import is_untitled

        if self.project is not None and self.store is not None:
            self.store.add_message(self.project.id, "user", self.ask.prompt, meta=self.ask_meta())
            # An untitled project is named by its first prompt (store/naming.py; renaming stays possible);
            # one opened with a name is not read again in a write transaction.
            if is_untitled(self.project.name):
                renamed = self.store.name_from_prompt(self.project.id, self.ask.prompt)
                if renamed is not None:
                    self.project.name = renamed

    def _call_for(self, event: StreamEvent) -> Call | None:
        """The newest call of the event's agent (events of a plain ask carry no agent)."""
        name = event.agent or PLAIN_NAME
        for call in reversed(self.calls):
            if call.agent_name == name:
                return call
        return None

    def _finish(self, event: StreamEvent) -> Callable[[], None] | None:
        """Hand the event to its call; returns the store work that is due (the call ended, or its
        text is due for a checkpoint), for the caller to run (in a thread when async), or None."""
        call = self._call_for(event)
        if call is None:
            if event.type not in FINAL_TYPES:
                return None
            # Failed before a request was made (e.g. no key for the provider): record that too.
            agent = next((a for a in self.agents if a.name == event.agent), None)
            call = Call.failed(agent, self._ref_for(agent), self.ask.prompt, event, settings=self.settings)
            self._register(call)
        elif not call.on_event(event):
            store, project = self.store, self.project
            if event.type == "token" and project is not None and store is not None and call.checkpoint_due():
                return lambda: call.checkpoint(store, project.id)
            return None
        return lambda: self._store(call)

    def _cancel_unfinished(self) -> None:
        for call in self.calls:
            if call.final is None:
                call.cancel()
                self._store(call)

    def _store(self, call: Call) -> None:
        if self.project is not None and self.store is not None:
            call.store(self.store, self.project.id, ask_meta=self.ask_meta())

    def ask_meta(self) -> dict[str, Any]:
        """What the store keeps about this ask beside the messages (the notebook export uses it)."""
        return {"cell_id": self.ask.cell_id, "mode": self.mode, "agents": [a.name for a in self.agents],
                "auto": self.ask.auto, "model": self.ask.model, "format": self.ask.format}

    def record(self) -> dict[str, Any]:
        """The notebook record of this ask (notebook/record.py)."""
        from ..notebook.record import ask_record

        record = ask_record(self)
        if self.pick is not None and auto_mode(self) == "model":
            record["pick"] = pick_record(self)
        return record

    def failures(self) -> list[Call]:
        """Calls that ended in error or were cancelled."""
        return [call for call in self.calls if call.final is not None and call.final.type == "error"]

    def raise_for_error(self) -> None:
        """Raise the first failed call's error (with the partial text) as a VibeError."""
        from ..providers import error_from_event

        for call in self.failures():
            raise error_from_event(call.final)  # type: ignore[arg-type]
