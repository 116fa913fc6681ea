"""POST stream: the SSE events match the fake model server exactly, per wire and per mode;
bad input is a JSON 4xx before anything is sent; failures arrive as error events."""

from __future__ import annotations

import json

import pytest

from tests.fakes.model_server import FakeModelServer, Reply, split_tokens
from tests.server.conftest import Api, sse, tokens_of
from vibing2_lab.store import Store

TEXT = 'Here is "your" app:\n\n```python\nprint("héllo → 世界 🎉")\n```\nDone.\\n'


def check_envelope(events: list[tuple[str, dict]]) -> str:
    """Start first, every event's data carrying the same stream_id and its own type; returns the id."""
    kind, start = events[0]
    assert kind == "start"
    stream_id = start["stream_id"]
    assert stream_id and len(stream_id) >= 16
    for kind, data in events:
        assert data["stream_id"] == stream_id
        if kind != "start":
            assert data["type"] == kind
    return stream_id


@pytest.mark.parametrize(("model", "wire"), [(None, "anthropic"), ("openai:gpt-4o-mini", "openai")])
async def test_events_and_text_match_the_fake_server(api: Api, fake_model: FakeModelServer,
                                                     model: str | None, wire: str) -> None:
    fake_model.enqueue(Reply(text=TEXT, input_tokens=21))
    body = {"prompt": "Write hello", "project": "exact"}
    if model:
        body["model"] = model
    answer = await api("POST", "stream", body)
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/event-stream")
    events = sse(answer.body)
    check_envelope(events)
    start = events[0][1]
    assert (start["project"], start["mode"], start["agents"], start["pick"]) == ("exact", "single", [], None)
    assert start["models"] == [model or "anthropic:claude-sonnet-4-5"]
    assert tokens_of(events) == split_tokens(TEXT)
    assert [kind for kind, _ in events] == ["start"] + ["token"] * len(split_tokens(TEXT)) + ["complete"]
    final = events[-1][1]
    assert final["text"] == TEXT and final["status"] == "complete"
    assert final["usage"]["output_tokens"] == len(split_tokens(TEXT))
    assert final["cost_usd"] is not None
    [request] = fake_model.requests
    assert request.wire == wire
    assert json.dumps(request.body).count("Write hello") == 1

    stored = Store.open().get_project("exact").messages
    assert [(m.role, m.content, m.status) for m in stored] == [("user", "Write hello", "complete"),
                                                               ("assistant", TEXT, "complete")]


async def test_a_second_prompt_continues_the_conversation(api: Api, fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="First answer."), Reply(text="Second answer."))
    await api("POST", "stream", {"prompt": "one", "project": "chat"})
    events = sse((await api("POST", "stream", {"prompt": "two", "project": "chat"})).body)
    assert events[-1][1]["text"] == "Second answer."
    sent = fake_model.requests[1].body["messages"]
    assert [m["content"] if isinstance(m["content"], str) else m["content"][0]["text"] for m in sent] \
        == ["one", "First answer.", "two"]


async def test_a_project_can_be_named_by_id(api: Api, fake_model: FakeModelServer) -> None:
    project = Store.open().create_project("by id")
    events = sse((await api("POST", "stream", {"prompt": "hi", "project": project.id})).body)
    assert events[0][1]["project"] == "by id" and events[-1][0] == "complete"
    assert len(Store.open().get_project(project.id).messages) == 2


async def test_extra_system_instructions_reach_the_model(api: Api, fake_model: FakeModelServer) -> None:
    events = sse((await api("POST", "stream", {"prompt": "hi", "agent": "sql-expert",
                                               "system": "Answer in French."})).body)
    assert events[-1][0] == "complete"
    assert "Answer in French." in json.dumps(fake_model.requests[0].body.get("system"))


async def test_without_a_project_nothing_is_stored(api: Api, fake_model: FakeModelServer) -> None:
    events = sse((await api("POST", "stream", {"prompt": "one-off"})).body)
    assert events[0][1]["project"] is None and events[-1][0] == "complete"
    assert Store.open().list_projects() == []


async def test_fan_out_streams_each_agent(api: Api, fake_model: FakeModelServer) -> None:
    fake_model.default = Reply(text="Same answer from everyone.", delay=0.002)
    agents = ["sql-expert", "data-analyst"]
    events = sse((await api("POST", "stream", {"prompt": "top customers", "project": "fan", "agents": agents})).body)
    check_envelope(events)
    assert (events[0][1]["mode"], events[0][1]["agents"]) == ("fanout", agents)
    for agent in agents:
        assert tokens_of(events, agent) == split_tokens("Same answer from everyone.")
        finals = [d for k, d in events if k == "complete" and d["agent"] == agent]
        assert len(finals) == 1 and finals[0]["text"] == "Same answer from everyone."
    stored = Store.open().get_project("fan").messages
    assert sorted(m.agent for m in stored if m.role == "assistant") == sorted(agents)


async def test_chain_hands_each_answer_to_the_next_agent(api: Api, fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="Schema draft."), Reply(text="Reviewed schema."))
    body = {"prompt": "design tables", "agents": ["database-architect", "code-reviewer"], "chain": True}
    events = sse((await api("POST", "stream", body)).body)
    assert events[0][1]["mode"] == "chain"
    finals = [(d["agent"], d["text"]) for k, d in events if k == "complete"]
    assert finals == [("database-architect", "Schema draft."), ("code-reviewer", "Reviewed schema.")]
    assert "Schema draft." in json.dumps(fake_model.requests[1].body)


async def test_auto_picks_an_agent_and_says_why(api: Api, fake_model: FakeModelServer) -> None:
    body = {"prompt": "optimise this SQL query with a window function", "auto": True}
    events = sse((await api("POST", "stream", body)).body)
    start = events[0][1]
    assert start["pick"]["name"] == "sql-expert" and start["pick"]["reasons"]
    assert start["agents"] == ["sql-expert"]
    assert {d["agent"] for k, d in events if k in ("token", "complete")} == {"sql-expert"}


async def test_a_provider_failure_is_an_error_event_and_is_stored(api: Api, fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(fault="http", status=401))
    events = sse((await api("POST", "stream", {"prompt": "hi", "project": "fails"})).body)
    kind, final = events[-1]
    assert (kind, final["kind"], final["status"]) == ("error", "auth", "error")
    assert final["hint"] and "sk-ant-fake-test-key" not in json.dumps(final)
    assert Store.open().get_project("fails").messages[-1].status == "error"


async def test_a_mid_stream_drop_keeps_the_partial_text(api: Api, fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="one two three four", fault="drop", after=2))
    events = sse((await api("POST", "stream", {"prompt": "hi", "project": "dropped"})).body)
    kind, final = events[-1]
    assert (kind, final["status"], final["partial_text"]) == ("error", "error", "one two")
    assert tokens_of(events) == ["one", " two"]
    assert Store.open().get_project("dropped").messages[-1].content == "one two"


async def test_a_missing_key_is_an_error_event_with_a_hint(api: Api, fake_model: FakeModelServer,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    events = sse((await api("POST", "stream", {"prompt": "hi"})).body)
    assert events[-1][1]["kind"] == "key_missing"
    assert "ANTHROPIC_API_KEY" in events[-1][1]["hint"]
    assert fake_model.requests == []


BAD_BODIES = [
    (b'{"prompt": "unterminated', 400, "input", "not valid JSON"),
    (b'"just a string"', 400, "input", "JSON object"),
    (json.dumps({}), 400, "input", "no 'prompt'"),
    (json.dumps({"prompt": "   "}), 400, "input", "empty"),
    (json.dumps({"prompt": "x" * 200_001}), 400, "input", "max_prompt_bytes"),
    (json.dumps({"prompt": "hi", "agent": "sql-expret"}), 404, "unknown_agent", "sql-expret"),
    (json.dumps({"prompt": "hi", "agents": ["sql-expert", "nope"]}), 404, "unknown_agent", "nope"),
    (json.dumps({"prompt": "hi", "project": 999}), 404, "unknown_project", "999"),
    (json.dumps({"prompt": "hi", "project": "bad\x00name"}), 400, "project", "control characters"),
    (json.dumps({"prompt": "hi", "model": "nowhere:model"}), 400, "config", "nowhere"),
    (json.dumps({"prompt": "hi", "agent": "sql-expert", "agents": ["data-analyst"]}), 400, "input", "not both"),
    (json.dumps({"prompt": "hi", "agents": ["sql-expert"], "chain": True}), 400, "input", "two agents"),
    (json.dumps({"prompt": "hi", "auto": True, "agent": "sql-expert"}), 400, "input", "auto"),
    (json.dumps({"prompt": "hi", "auto": "yes"}), 400, "input", "'auto' must be true or false"),
    (json.dumps({"prompt": "hi", "agents": "sql-expert"}), 400, "input", "'agents' must be a list"),
    (json.dumps({"prompt": "hi", "agents": [""]}), 400, "input", "list of names"),
    (json.dumps({"prompt": "hi", "max_tokens": 0}), 400, "input", "max_tokens"),
    (json.dumps({"prompt": "hi", "temperature": -1}), 400, "input", "negative"),
    (json.dumps({"prompt": "hi", "sytem": "typo"}), 400, "input", "'sytem'"),
]


@pytest.mark.parametrize(("raw", "status", "kind", "says"), BAD_BODIES, ids=[b[3] for b in BAD_BODIES])
async def test_bad_input_is_a_json_4xx_before_anything_is_sent(api: Api, fake_model: FakeModelServer, raw: bytes | str,
                                                               status: int, kind: str, says: str) -> None:
    answer = await api("POST", "stream", raw=raw.encode() if isinstance(raw, str) else raw)
    assert answer.status == status, answer.body
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.error["kind"] == kind
    assert says in answer.error["message"] + answer.error["hint"]
    assert answer.error["hint"], "every error says how to fix it"
    assert fake_model.requests == []
    assert Store.open().list_projects() == []


async def test_a_finished_stream_is_freed_at_once(api: Api, fake_model: FakeModelServer) -> None:
    """Once an answer is out, its request's handler (with its request, connection and writer) and
    its model exchange (provider, settings, events) are freed by reference counting.

    Two things kept them: cycles (handler <-> writer, exchange <-> wire), which left every stream to
    the cycle collector, whose full collections of a Jupyter server's heap pause its loop for
    0.1-0.3 s; and cancelled timers (the heartbeat's, the idle timeout's), which stay in the loop
    until they were due (15 s, 60 s) with the context they were made in, where Jupyter keeps the
    request's handler."""
    import asyncio
    import gc

    from vibing2_lab.providers._exchange import Exchange
    from vibing2_lab.server.handlers_stream import StreamHandler

    def ours(objects: list[object]) -> list[str]:
        return sorted(type(o).__name__ for o in objects if isinstance(o, (StreamHandler, Exchange)))

    fake_model.enqueue(Reply(text="warm up"))  # first-use imports and caches
    assert (await api("POST", "stream", {"prompt": "first", "project": "freed"})).status == 200
    gc.collect()
    gc.disable()
    try:
        for n in range(4):
            fake_model.enqueue(Reply(text=f"Answer {n}"))
            answer = await api("POST", "stream", {"prompt": "hi", "project": "freed"})
            assert tokens_of(sse(answer.body)) == split_tokens(f"Answer {n}")
        for _ in range(100):  # the handler's coroutine ends just after the client has the last byte
            alive = ours(gc.get_objects())
            if not alive:
                break
            await asyncio.sleep(0.01)
        gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds unreachable is kept in gc.garbage
        gc.collect()
        cyclic = ours(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert cyclic == [], "left to the cycle collector"
    # Nor by a timer: aiohttp's keep-alive timer for the pooled connection is made when the
    # response is released, in an empty context, not the request's (where Jupyter keeps the handler).
    assert alive == [], "kept after the answer"
