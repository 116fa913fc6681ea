"""A client that stops reading (a slow link, a paused tab, a hostile reader) costs the server a
bounded buffer, not the whole answer: the relay stops reading upstream once HIGH_WATER bytes
wait for the client, the event loop keeps serving other routes meanwhile, and when the client
reads again every token arrives, in order, and the stored answer is whole."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import httpx

from tests.fakes.model_server import FakeModelServer, Reply
from tests.server.conftest import Api, server_side_streams
from vibing2_lab.providers.sse import SSEDecoder
from vibing2_lab.server.sse_writer import HIGH_WATER
from vibing2_lab.store import Store

TOKENS = [f" {i:05d}" + "x" * 8186 for i in range(4000)]  # 8 KiB each, 32 MiB in all: more than
# every socket buffer between the fake model and the client holds (Linux autotunes them to a few MiB)


async def _plateau(fake: FakeModelServer, *, still: float = 0.5, timeout: float = 30.0) -> int:
    """Bytes the fake model had written once that stopped growing for `still` s."""
    deadline, last, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        with fake._lock:
            now = len(fake.written)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= still:
            return now
        await asyncio.sleep(0.05)
    raise AssertionError(f"the upstream never stopped: {last} bytes written")


@asynccontextmanager
async def small_window_stream(stream_url: str, headers: dict[str, str], project: str) -> AsyncIterator[httpx.Response]:
    """POST a stream from a client with a small receive window (SO_RCVBUF turns Linux's autotuning
    off: its kernel takes ~64 KiB), so that what the server must not buffer is visible."""
    transport = httpx.AsyncHTTPTransport(socket_options=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)])
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:
        body = json.dumps({"prompt": "a long one", "project": project})
        async with client.stream("POST", stream_url, headers=headers, content=body) as response:
            assert response.status_code == 200
            yield response


async def test_a_client_that_stops_reading_holds_a_bounded_buffer_and_still_gets_everything(
        api: Api, fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str],
        jp_http_port: int) -> None:
    fake_model.enqueue(Reply(tokens=TOKENS))
    total = len("".join(TOKENS).encode())
    async with small_window_stream(stream_url, auth_headers, "slow-reader") as response:
        chunks = response.aiter_raw()
        first = await chunks.__anext__()  # the start frame; then the client stops reading
        held = await _plateau(fake_model)
        assert held < total / 2, f"the relay read {held} of {total} bytes for a client that reads nothing"
        buffered = [len(s._write_buffer) for s in server_side_streams(jp_http_port)]
        assert buffered and max(buffered) <= HIGH_WATER + 64 * 1024, buffered  # a frame or so over the mark
        health = await asyncio.wait_for(api("GET", "health"), timeout=5)  # the loop still serves
        assert health.status == 200
        got, final = await _read_all(chunks, first)  # reading again: the rest flows
    assert got == TOKENS  # every token, in order, none twice
    assert final is not None and final[0] == "complete" and final[1]["text"] == "".join(TOKENS)
    (answer,) = [m for m in Store.open().get_project("slow-reader").messages if m.role == "assistant"]
    assert (answer.status, len(answer.content)) == ("complete", len("".join(TOKENS)))


async def _read_all(chunks: Any, first: bytes) -> tuple[list[str], tuple[str, dict[str, Any]] | None]:
    """(token texts, (final event name, data)) of the rest of a stream, `first` chunk included."""
    # The complete event carries the whole 32 MiB answer: past the bound meant for a model's events.
    decoder, got, final = SSEDecoder(max_event=64 * 2 ** 20), [], None
    pending = [first]
    while True:
        for chunk in pending:
            for event in decoder.feed(chunk):
                data = json.loads(event.data)
                if event.event == "token":
                    got.append(data["text"])
                elif event.event in ("complete", "error"):
                    final = (event.event, data)
        try:
            pending = [await chunks.__anext__()]
        except StopAsyncIteration:
            return got, final


async def test_a_pause_longer_than_the_idle_timeout_is_not_blamed_on_the_model(
        fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str],
        monkeypatch: Any) -> None:
    """The idle timeout measures the model's silence, not ours: while the relay holds back because
    the client is behind, bytes the model already sent wait in our socket, and a client that
    pauses for longer than `timeouts.idle` still gets the whole answer when it reads again."""
    monkeypatch.setenv("VIBING2_LAB_IDLE_TIMEOUT", "1")
    fake_model.enqueue(Reply(tokens=TOKENS))
    async with small_window_stream(stream_url, auth_headers, "pausing-reader") as response:
        chunks = response.aiter_raw()
        first = await chunks.__anext__()
        await _plateau(fake_model)  # the relay is held back now
        await asyncio.sleep(2.5)  # well past the 1 s idle timeout
        got, final = await _read_all(chunks, first)
    assert final is not None and final[0] == "complete", final
    assert got == TOKENS
