"""Several agents on one prompt: fan-out (concurrently) and chain (one after another).

Both yield ordinary StreamEvents with `event.agent` set to the agent's name, so any
adapter that renders one stream renders these too. `make_request(agent, prompt)`
returns the (Provider, ModelRequest) to use: the session layer (session/) decides model,
history and system prompt.

    fan_out   each agent streams in its own thread; events interleave as they arrive;
              every agent ends with its own complete or error event, and one agent's
              failure does not stop the others
    chain     agent N receives the original prompt plus agent N-1's answer; an error
              (or a cancel) ends the chain after that agent's error event
"""

from __future__ import annotations

import queue
import threading
from contextlib import aclosing
from typing import TYPE_CHECKING, AsyncIterator, Callable, Iterator

from ..errors import InputError, VibeError
from ..events import FINAL_TYPES, ErrorEvent, StreamEvent
from ..log_text import logger
from ..providers.base import Cancel

if TYPE_CHECKING:
    from ..providers.base import ModelRequest, Provider
    from .parse import Agent

log = logger(__name__)

MakeRequest = Callable[["Agent", str], "tuple[Provider, ModelRequest]"]


def chain_prompt(prompt: str, previous_agent: str | None, previous_answer: str | None) -> str:
    """What a chained agent receives: the original prompt, then the previous agent's answer."""
    if previous_agent is None:
        return prompt
    return f"{prompt}\n\n---\nThe previous agent, {previous_agent}, answered:\n\n{previous_answer or ''}"


def check_agents(agents: list[Agent]) -> None:
    """InputError for no agents or one named twice (session/ask.py checks this before anything is sent)."""
    names = [a.name for a in agents]
    if not names:
        raise InputError("No agents were given.", hint="Name at least one agent, e.g. --agents a,b.")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"Agent {', '.join(twice)} is listed twice; their events could not be told apart.",
                         hint="Name each agent once.")


def _failure(agent: Agent, exc: BaseException) -> ErrorEvent:
    if isinstance(exc, VibeError):
        return ErrorEvent(kind=exc.kind, message=exc.message, hint=exc.hint, agent=agent.name)
    # A bug in make_request (or a provider) must end this agent only, not the others.
    log.error("agent %s failed", agent.name, exc_info=exc)
    return ErrorEvent(kind="error", message=f"{type(exc).__name__}: {exc}", agent=agent.name)


def _tag(agent: Agent, event: StreamEvent) -> StreamEvent:
    event.agent = agent.name
    return event


def _agent_stream(agent: Agent, prompt: str, make_request: MakeRequest, cancel: Cancel) -> Iterator[StreamEvent]:
    """One agent's events, always ending with exactly one complete or error event."""
    try:
        provider, request = make_request(agent, prompt)
        for event in provider.stream(request, cancel=cancel):
            yield _tag(agent, event)
            if event.type in FINAL_TYPES:
                return
    except Exception as exc:
        yield _failure(agent, exc)
        return
    yield ErrorEvent(kind="protocol", message="the stream ended without a final event", agent=agent.name)


async def _agent_astream(agent: Agent, prompt: str, make_request: MakeRequest,
                         cancel: Cancel) -> AsyncIterator[StreamEvent]:
    import asyncio

    try:
        # In a worker thread: making a request may wait (an agent's MCP server starting, the store),
        # and the caller's loop (the Jupyter server's) must not.
        provider, request = await asyncio.to_thread(make_request, agent, prompt)
        async with aclosing(provider.astream(request, cancel=cancel)) as events:
            async for event in events:
                yield _tag(agent, event)
                if event.type in FINAL_TYPES:
                    return
    except Exception as exc:
        yield _failure(agent, exc)
        return
    yield ErrorEvent(kind="protocol", message="the stream ended without a final event", agent=agent.name)


def _linked(cancel: Cancel | None) -> tuple[Cancel, Callable[[], None]]:
    """A Cancel of our own that also stops when the caller's does (stopping ours leaves theirs alone)."""
    inner = Cancel()
    unhook = cancel.on_stop(inner.stop) if cancel is not None else (lambda: None)
    return inner, unhook


def fan_out(agents: list[Agent], prompt: str, *, make_request: MakeRequest,
            cancel: Cancel | None = None) -> Iterator[StreamEvent]:
    """One prompt to several agents at once; their events interleave, each tagged with its agent."""
    check_agents(agents)
    inner, unhook = _linked(cancel)
    events: queue.Queue[StreamEvent | None] = queue.Queue()

    def run(agent: Agent) -> None:
        try:
            for event in _agent_stream(agent, prompt, make_request, inner):
                events.put(event)
        finally:
            events.put(None)  # this agent is done

    threads = [threading.Thread(target=run, args=(a,), name=f"vibe-agent-{a.name}", daemon=True) for a in agents]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            event = events.get()
            if event is None:
                running -= 1
            else:
                yield event
    finally:
        unhook()
        if running:  # the consumer left early (closed, Ctrl+C): stop the streams still going
            inner.stop()
            for thread in threads:
                thread.join(timeout=2.0)


async def afan_out(agents: list[Agent], prompt: str, *, make_request: MakeRequest,
                   cancel: Cancel | None = None) -> AsyncIterator[StreamEvent]:
    """`fan_out` for asyncio: one task per agent on the running loop."""
    import asyncio  # here: the sync path should not pay for importing asyncio

    check_agents(agents)
    inner, unhook = _linked(cancel)
    events: asyncio.Queue[StreamEvent | None] = asyncio.Queue()

    async def run(agent: Agent) -> None:
        try:
            async with aclosing(_agent_astream(agent, prompt, make_request, inner)) as stream:
                async for event in stream:
                    events.put_nowait(event)
        finally:
            events.put_nowait(None)

    tasks = [asyncio.create_task(run(a), name=f"vibe-agent-{a.name}") for a in agents]
    running = len(tasks)
    try:
        while running:
            event = await events.get()
            if event is None:
                running -= 1
            else:
                yield event
    finally:
        unhook()
        if running:
            inner.stop()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def chain(agents: list[Agent], prompt: str, *, make_request: MakeRequest,
          cancel: Cancel | None = None) -> Iterator[StreamEvent]:
    """Agents one after another, each given the original prompt plus the previous answer."""
    check_agents(agents)
    inner = cancel or Cancel()
    previous: tuple[str, str] | None = None
    for agent in agents:
        step = chain_prompt(prompt, *(previous or (None, None)))
        final: StreamEvent | None = None
        for event in _agent_stream(agent, step, make_request, inner):
            final = event if event.type in FINAL_TYPES else final
            yield event
        if final is None or final.type != "complete":
            return  # an error or a cancel ends the chain here
        previous = (agent.name, final.text)  # type: ignore[union-attr]


def achain(agents: list[Agent], prompt: str, *, make_request: MakeRequest,
           cancel: Cancel | None = None) -> AsyncIterator[StreamEvent]:
    """`chain` for asyncio. One agent (every plain ask) is its own stream, with no generator
    around it re-yielding each event: the server relays them per token."""
    check_agents(agents)
    if len(agents) == 1:
        return _agent_astream(agents[0], prompt, make_request, cancel or Cancel())
    return _achain(agents, prompt, make_request=make_request, cancel=cancel)


async def _achain(agents: list[Agent], prompt: str, *, make_request: MakeRequest,
                  cancel: Cancel | None = None) -> AsyncIterator[StreamEvent]:
    inner = cancel or Cancel()
    previous: tuple[str, str] | None = None
    for agent in agents:
        step = chain_prompt(prompt, *(previous or (None, None)))
        final: StreamEvent | None = None
        async with aclosing(_agent_astream(agent, step, make_request, inner)) as stream:
            async for event in stream:
                final = event if event.type in FINAL_TYPES else final
                yield event
        if final is None or final.type != "complete":
            return
        previous = (agent.name, final.text)  # type: ignore[union-attr]
