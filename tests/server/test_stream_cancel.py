"""Stopping streams (the stop route, a client that leaves, server shutdown) cancels the upstream
call and stores the partial answer as cancelled; 20 concurrent streams all complete exactly."""

from __future__ import annotations

import asyncio
import json
import re
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable

import httpx

from tests.fakes.model_server import FakeModelServer, RecordedRequest, Reply, split_tokens
from tests.server.conftest import Api, server_side_streams, sse, tokens_of
from vibing2_lab.providers.sse import SSEDecoder
from vibing2_lab.store import Store

SLOW = Reply(text=" ".join(f"word{i}" for i in range(60)), delay=0.05)  # ~3 s if nobody stops it
BOUND = 10.0  # generous functional bound (seconds); timing figures live in benchmarks/


class Events:
    """The events of a live SSE response, read as they arrive."""

    def __init__(self, response: httpx.Response) -> None:
        self._chunks = response.aiter_bytes()
        self._decoder = SSEDecoder()
        self._ready: list[tuple[str, dict[str, Any]]] = []
        self.seen: list[tuple[str, dict[str, Any]]] = []

    async def next(self) -> tuple[str, dict[str, Any]]:
        while not self._ready:
            chunk = await self._chunks.__anext__()
            self._ready.extend((e.event, json.loads(e.data)) for e in self._decoder.feed(chunk))
        event = self._ready.pop(0)
        self.seen.append(event)
        return event

    async def until(self, done: Callable[[list[tuple[str, dict[str, Any]]]], bool]) -> None:
        while not done(self.seen):
            await self.next()

    async def rest(self) -> None:
        try:
            while True:
                await self.next()
        except StopAsyncIteration:
            pass


@asynccontextmanager
async def live_stream(url: str, headers: dict[str, str], body: dict[str, Any]) -> AsyncIterator[Events]:
    async with httpx.AsyncClient(timeout=30) as client:
        async with client.stream("POST", url, headers=headers, content=json.dumps(body)) as response:
            assert response.status_code == 200
            yield Events(response)


async def eventually(check: Callable[[], Any], timeout: float = BOUND) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.02)


def n_tokens(n: int) -> Callable[[list[tuple[str, dict]]], bool]:
    return lambda seen: sum(kind == "token" for kind, _ in seen) >= n


def stored_answer(project: str) -> Any:
    """The answer once it has ended (while it streams, its checkpoint row says `streaming`)."""
    messages = Store.open().get_project(project).messages
    return messages[-1] if len(messages) == 2 and messages[-1].status != "streaming" else None


async def test_stop_route_cancels_upstream_and_keeps_the_partial_answer(
        api: Api, fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str]) -> None:
    fake_model.enqueue(SLOW)
    t0 = time.monotonic()
    async with live_stream(stream_url, auth_headers, {"prompt": "go", "project": "stopped"}) as events:
        await events.until(n_tokens(3))
        stream_id = events.seen[0][1]["stream_id"]
        listed = (await api("GET", "stream")).json["streams"]
        assert [s["stream_id"] for s in listed] == [stream_id]
        stop = await api("POST", f"stream/{stream_id}/stop")
        assert stop.status == 200 and stop.json == {"stream_id": stream_id, "stopped": True}
        await events.rest()
    assert time.monotonic() - t0 < BOUND
    kind, final = events.seen[-1]
    assert (kind, final["kind"], final["status"]) == ("error", "cancelled", "cancelled")
    partial = "".join(tokens_of(events.seen))
    assert final["partial_text"] == partial and SLOW.text.startswith(partial) and partial != SLOW.text
    answer = stored_answer("stopped")
    assert (answer.content, answer.status) == (partial, "cancelled")
    assert await eventually(lambda: fake_model.client_gone == 1), "the fake server never saw the request end"
    assert (await api("GET", "stream")).json["streams"] == []
    assert (await api("POST", f"stream/{stream_id}/stop")).status == 404  # finished: gone from the registry


async def test_stopping_an_unknown_stream_is_404(api: Api) -> None:
    answer = await api("POST", "stream/no-such-stream/stop")
    assert answer.status == 404 and answer.error["kind"] == "unknown_stream"


async def test_a_client_that_leaves_cancels_upstream(api: Api, fake_model: FakeModelServer, stream_url: str,
                                                     auth_headers: dict[str, str]) -> None:
    fake_model.enqueue(SLOW)
    async with live_stream(stream_url, auth_headers, {"prompt": "go", "project": "left"}) as events:
        await events.until(n_tokens(3))
    # the client is gone; the server must notice, cancel upstream and store what it had
    answer = await eventually(lambda: stored_answer("left"))
    assert answer is not None and answer.status == "cancelled"
    assert SLOW.text.startswith(answer.content) and len(answer.content) < len(SLOW.text)
    assert await eventually(lambda: fake_model.client_gone == 1)
    assert (await api("GET", "stream")).json["streams"] == []


async def test_a_client_that_leaves_during_a_stall_cancels_upstream(
        api: Api, fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str]) -> None:
    fake_model.enqueue(Reply(text="alpha beta gamma", fault="stall", after=2))
    async with live_stream(stream_url, auth_headers, {"prompt": "go", "project": "stalled"}) as events:
        await events.until(n_tokens(2))
    answer = await eventually(lambda: stored_answer("stalled"))
    assert answer is not None and (answer.content, answer.status) == ("alpha beta", "cancelled")


async def test_server_shutdown_stops_live_streams(jp_serverapp: Any, fake_model: FakeModelServer, stream_url: str,
                                                  auth_headers: dict[str, str]) -> None:
    fake_model.enqueue(SLOW)
    extension = jp_serverapp.extension_manager.extension_apps["vibing2_lab"]
    app = next(iter(extension)) if isinstance(extension, set) else extension
    async with live_stream(stream_url, auth_headers, {"prompt": "go", "project": "shutdown"}) as events:
        await events.until(n_tokens(2))
        await app.stop_extension()
        await events.rest()
    assert events.seen[-1][1]["status"] == "cancelled"
    assert stored_answer("shutdown").status == "cancelled"


def _numbered(request: RecordedRequest) -> Reply:
    """Answer prompt "stream N" with a text of its own, so mixed-up streams would show."""
    prompt = json.dumps(request.body["messages"][-1])
    n = int(re.search(r"stream (\d+)", prompt).group(1))  # type: ignore[union-attr]
    return Reply(text=f"Answer {n}: " + " ".join(f"t{n}.{i}" for i in range(40)), delay=0.002)


async def test_twenty_concurrent_streams_all_complete_exactly(api: Api, fake_model: FakeModelServer) -> None:
    fake_model.respond = _numbered
    bodies = [{"prompt": f"stream {n}", **({"project": f"p{n}"} if n % 2 else {})} for n in range(20)]
    answers = await asyncio.gather(*(api("POST", "stream", body) for body in bodies))
    ids = set()
    for n, answer in enumerate(answers):
        events = sse(answer.body)
        ids.add(events[0][1]["stream_id"])
        expected = _numbered(RecordedRequest("POST", "", {}, {"messages": [{"content": f"stream {n}"}]}, "x")).text
        assert tokens_of(events) == split_tokens(expected), n
        assert [k for k, _ in events].count("complete") == 1 and events[-1][1]["text"] == expected
    assert len(ids) == 20
    assert len(fake_model.requests) == 20
    assert sorted(p.name for p in Store.open().list_projects()) == sorted(f"p{n}" for n in range(1, 20, 2))
    assert (await api("GET", "stream")).json["streams"] == []


async def test_a_stream_does_not_block_other_requests(api: Api, fake_model: FakeModelServer, stream_url: str,
                                                      auth_headers: dict[str, str]) -> None:
    fake_model.enqueue(Reply(text="slow", first_delay=30))  # stuck before its first token
    async with live_stream(stream_url, auth_headers, {"prompt": "go"}) as events:
        await events.until(lambda seen: bool(seen))  # the start event
        t0 = time.monotonic()
        health = await api("GET", "health")
        projects = await api("GET", "projects")
        assert health.status == projects.status == 200
        assert time.monotonic() - t0 < BOUND
        await api("POST", f"stream/{events.seen[0][1]['stream_id']}/stop")
        await events.rest()
    assert events.seen[-1][1]["status"] == "cancelled"


async def test_heartbeats_are_sse_comments(jp_serverapp: Any, fake_model: FakeModelServer, stream_url: str,
                                           auth_headers: dict[str, str]) -> None:
    extension = jp_serverapp.extension_manager.extension_apps["vibing2_lab"]
    app = next(iter(extension)) if isinstance(extension, set) else extension
    app.heartbeat_interval = 0.05
    fake_model.enqueue(Reply(text="a b", first_delay=0.4))
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(stream_url, headers=auth_headers, content=json.dumps({"prompt": "go"}))
    assert b": keep-alive\n\n" in response.content
    assert [e[0] for e in sse(response.content)] == ["start", "token", "token", "complete"]


async def test_a_locked_store_does_not_stop_the_event_loop(api: Api, fake_model: FakeModelServer, stream_url: str,
                                                           auth_headers: dict[str, str]) -> None:
    """A kernel holding SQLite's write lock makes the stream's writes wait (up to the busy timeout):
    they wait in a thread, the server keeps answering, and once the lock goes nothing is lost."""
    import sqlite3

    from vibing2_lab.paths import database_path

    assert (await api("POST", "projects", {"name": "locked"})).status == 201
    fake_model.enqueue(Reply(text="stored after all"))
    holder = sqlite3.connect(database_path(), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what a kernel's long write transaction looks like to us
    try:
        async with live_stream(stream_url, auth_headers, {"prompt": "go", "project": "locked"}) as events:
            await events.until(lambda seen: bool(seen))  # the start event: the prompt's write now waits
            await asyncio.sleep(0.3)
            t0 = time.monotonic()
            health = await api("GET", "health")
            waited = time.monotonic() - t0
            assert health.status == 200
            assert waited < 2.0, f"the loop was blocked {waited:.1f} s by a write waiting for the lock"
            holder.execute("COMMIT")
            await events.rest()
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()
    assert events.seen[-1][0] == "complete" and events.seen[-1][1]["text"] == "stored after all"
    messages = Store.open().get_project("locked").messages
    assert [(m.role, m.content) for m in messages] == [("user", "go"), ("assistant", "stored after all")]


async def test_a_streaming_response_is_sent_without_nagle_delays(
        fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str], jp_http_port: int) -> None:
    """While an answer streams, the server's socket to the client has TCP_NODELAY: a token is
    sent when it is written, not held until the client ACKs the previous one."""
    import socket

    fake_model.enqueue(SLOW)
    async with live_stream(stream_url, auth_headers, {"prompt": "go", "project": "nagle"}) as events:
        await events.until(n_tokens(2))
        streaming = server_side_streams(jp_http_port)
        assert streaming, "no server-side connection found"
        assert any(s.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in streaming)
        await events.rest()
