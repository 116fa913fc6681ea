"""Fan-out and chain against the fake model server (real HTTP, real providers)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from tests.fakes.model_server import FakeModelServer, RecordedRequest, Reply
from vibing2_lab.agents.orchestrate import achain, afan_out, chain, chain_prompt, fan_out
from vibing2_lab.agents.parse import Agent
from vibing2_lab.config import load_settings
from vibing2_lab.errors import InputError, KeyMissingError
from vibing2_lab.events import CompleteEvent, ErrorEvent, StreamEvent
from vibing2_lab.providers.base import Cancel

AGENTS = [Agent(name=n, system_prompt=f"You are {n}.", performance_tier="fast", model="inherit")
          for n in ("alpha", "beta", "gamma")]


@pytest.fixture
def server(fake_model: FakeModelServer, vibe_home: Path) -> FakeModelServer:
    """Answers by system prompt: each agent says who it is; no retries, so a 500 fails at once."""
    (vibe_home / "config.yaml").write_text("retries: {max: 0}\n", encoding="utf-8")

    def respond(request: RecordedRequest) -> Reply:
        system = str(request.body.get("system"))
        user = request.body["messages"][-1]["content"]
        if "beta" in system and "FAIL_BETA" in user:
            return Reply(fault="http", status=500)
        name = system.removeprefix("You are ").rstrip(".")
        return Reply(text=f"{name} answers ({len(user)} chars in).", delay=0.01)

    fake_model.respond = respond
    return fake_model


def make() -> Any:
    """A make_request as a Session's: the core's model rule and request, a live provider."""
    from vibing2_lab.providers import get_provider
    from vibing2_lab.session import Ask, Call
    from vibing2_lab.session.ask import plan_models

    settings = load_settings()

    def make_request(agent: Agent, prompt: str) -> tuple[Any, Any]:
        (ref,) = plan_models(Ask(prompt), [agent], settings)
        call = Call.open(agent, ref, prompt, provider=get_provider(ref.provider, settings=settings), settings=settings)
        return call.provider, call.request

    return make_request


def finals(events: list[StreamEvent]) -> dict[str, StreamEvent]:
    out: dict[str, StreamEvent] = {}
    for event in events:
        if event.type in ("complete", "error"):
            assert event.agent not in out, f"two final events for {event.agent}"
            out[event.agent] = event  # type: ignore[index]
    return out


def text_by_agent(events: list[StreamEvent]) -> dict[str, str]:
    out: dict[str, str] = {}
    for event in events:
        if event.type == "token":
            out[event.agent] = out.get(event.agent, "") + event.text  # type: ignore[index, operator]
    return out


def test_fan_out_streams_every_agent_tagged(server: FakeModelServer) -> None:
    events = list(fan_out(AGENTS, "Hello there", make_request=make()))
    done = finals(events)
    assert set(done) == {"alpha", "beta", "gamma"}
    for name, event in done.items():
        assert isinstance(event, CompleteEvent)
        assert event.text == f"{name} answers (11 chars in)."
        assert text_by_agent(events)[name] == event.text  # the tokens add up to the final text
    assert all(e.agent in {"alpha", "beta", "gamma"} for e in events)
    assert sorted(r.body["system"] for r in server.requests) == ["You are alpha.", "You are beta.", "You are gamma."]
    # performance_tier "fast" -> settings.tiers["fast"] = haiku -> claude-haiku-4-5
    assert {r.body["model"] for r in server.requests} == {"claude-haiku-4-5"}


def all_at_once(server: FakeModelServer) -> None:
    """Answer only once all three requests are in flight together; a sequential caller gets 'alone'."""
    barrier = threading.Barrier(3, timeout=5)

    def respond(request: RecordedRequest) -> Reply:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return Reply(text="alone")
        return Reply(text="together one two three", delay=0.02)

    server.respond = respond


def test_fan_out_runs_concurrently(server: FakeModelServer) -> None:
    all_at_once(server)
    events = list(fan_out(AGENTS, "hi", make_request=make()))
    assert {e.text for e in finals(events).values()} == {"together one two three"}  # type: ignore[union-attr]
    first_tokens = [e.agent for e in events if e.type == "token"][:6]
    assert len(set(first_tokens)) > 1  # interleaved as they arrive


def test_one_failing_agent_does_not_stop_the_others(server: FakeModelServer) -> None:
    events = list(fan_out(AGENTS, "FAIL_BETA please", make_request=make()))
    done = finals(events)
    assert isinstance(done["beta"], ErrorEvent) and done["beta"].kind == "server"
    assert isinstance(done["alpha"], CompleteEvent) and isinstance(done["gamma"], CompleteEvent)
    assert done["alpha"].text.startswith("alpha answers")


def test_a_make_request_failure_ends_that_agent_only(server: FakeModelServer) -> None:
    real = make()

    def flaky(agent: Agent, prompt: str) -> Any:
        if agent.name == "gamma":
            raise KeyMissingError("No API key for provider 'x'.", hint="Set X_API_KEY.")
        if agent.name == "beta":
            raise RuntimeError("bug in the session layer")
        return real(agent, prompt)

    done = finals(list(fan_out(AGENTS, "hi", make_request=flaky)))
    assert isinstance(done["alpha"], CompleteEvent)
    assert (done["gamma"].kind, done["gamma"].hint) == ("key_missing", "Set X_API_KEY.")  # type: ignore[union-attr]
    assert done["beta"].message == "RuntimeError: bug in the session layer"  # type: ignore[union-attr]


def test_cancel_stops_every_agent_and_keeps_partial_text(server: FakeModelServer) -> None:
    server.respond = lambda request: Reply(text="word " * 200, delay=0.02)
    cancel = Cancel()
    events: list[StreamEvent] = []
    for event in fan_out(AGENTS, "hi", make_request=make(), cancel=cancel):
        events.append(event)
        if sum(e.type == "token" for e in events) == 10:
            cancel.stop()
    done = finals(events)
    assert set(done) == {"alpha", "beta", "gamma"}
    assert all(isinstance(e, ErrorEvent) and e.status == "cancelled" for e in done.values())
    assert any(e.partial_text for e in done.values())  # type: ignore[union-attr]


def test_leaving_early_stops_the_workers_without_touching_the_callers_cancel(server: FakeModelServer) -> None:
    server.respond = lambda request: Reply(text="word " * 500, delay=0.02)
    cancel = Cancel()
    stream = fan_out(AGENTS, "hi", make_request=make(), cancel=cancel)
    next(stream)
    stream.close()
    assert not cancel.stopped
    deadline = time.monotonic() + 5
    while any(t.name.startswith("vibe-agent-") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name.startswith("vibe-agent-") for t in threading.enumerate())


def test_duplicate_or_missing_agents_are_refused() -> None:
    with pytest.raises(InputError, match="listed twice"):
        list(fan_out([AGENTS[0], AGENTS[0]], "hi", make_request=make()))
    with pytest.raises(InputError, match="No agents"):
        list(chain([], "hi", make_request=make()))


def test_chain_passes_the_previous_answer_along(server: FakeModelServer) -> None:
    events = list(chain(AGENTS, "Start", make_request=make()))
    done = finals(events)
    assert list(done) == ["alpha", "beta", "gamma"]  # one after another, in order
    users = [r.body["messages"][-1]["content"] for r in server.requests]
    assert users[0] == "Start"
    assert users[1] == chain_prompt("Start", "alpha", done["alpha"].text)  # type: ignore[union-attr]
    assert users[1].startswith("Start\n\n---\nThe previous agent, alpha, answered:\n\nalpha answers (5 chars in).")
    assert users[2] == chain_prompt("Start", "beta", done["beta"].text)  # type: ignore[union-attr]
    assert [e.agent for e in events] == sorted((e.agent for e in events), key=["alpha", "beta", "gamma"].index)


def test_chain_stops_at_the_first_error(server: FakeModelServer) -> None:
    events = list(chain(AGENTS, "FAIL_BETA", make_request=make()))
    done = finals(events)
    assert list(done) == ["alpha", "beta"]
    assert isinstance(done["beta"], ErrorEvent)
    assert len(server.requests) == 2  # gamma was never called


async def _collect(stream: AsyncIterator[StreamEvent]) -> list[StreamEvent]:
    return [event async for event in stream]


def test_afan_out_with_one_failure(server: FakeModelServer) -> None:
    events = asyncio.run(_collect(afan_out(AGENTS, "FAIL_BETA", make_request=make())))
    done = finals(events)
    assert isinstance(done["beta"], ErrorEvent)
    assert done["alpha"].text.startswith("alpha answers")  # type: ignore[union-attr]
    assert done["gamma"].text.startswith("gamma answers")  # type: ignore[union-attr]


def test_afan_out_runs_concurrently(server: FakeModelServer) -> None:
    all_at_once(server)
    events = asyncio.run(_collect(afan_out(AGENTS, "hi", make_request=make())))
    assert {e.text for e in finals(events).values()} == {"together one two three"}  # type: ignore[union-attr]


def test_achain_matches_chain(server: FakeModelServer) -> None:
    events = asyncio.run(_collect(achain(AGENTS, "Start", make_request=make())))
    done = finals(events)
    assert list(done) == ["alpha", "beta", "gamma"]
    assert server.requests[2].body["messages"][-1]["content"] == chain_prompt("Start", "beta", done["beta"].text)  # type: ignore[union-attr]


def test_achain_stops_at_the_first_error(server: FakeModelServer) -> None:
    done = finals(asyncio.run(_collect(achain(AGENTS, "FAIL_BETA", make_request=make()))))
    assert list(done) == ["alpha", "beta"]
