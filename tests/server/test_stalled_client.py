"""A client that stays connected but takes nothing (a hostile reader, a frozen tab) cannot hold a
stream, its slot and its model connection for ever: after c.Vibing2Lab.client_stall_timeout
seconds without taking a byte of what waits for it, it is treated as gone. The answer stops
upstream, its partial text is stored as cancelled, the connection is closed and the slot is free.
A client that is slow but takes something is waited for (tests/server/test_slow_client.py)."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from tests.server.conftest import Api
from tests.server.test_slow_client import TOKENS, _plateau, small_window_stream
from tests.server.test_stream_cancel import eventually
from vibing2_lab.store import Store

STALL = 1.5  # s (c.Vibing2Lab.client_stall_timeout for this module's server)


@pytest.fixture
def jp_server_config() -> dict:
    return {"ServerApp": {"jpserver_extensions": {"vibing2_lab": True}},
            "Vibing2Lab": {"client_stall_timeout": STALL}}


def _answers(project: str) -> list[tuple[str, int]]:
    try:
        return [(m.status, len(m.content)) for m in Store.open().get_project(project).messages
                if m.role == "assistant"]
    except Exception:  # noqa: BLE001 - not created yet
        return []


async def test_a_client_that_takes_nothing_is_let_go_and_the_partial_answer_kept(
        api: Api, fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str]) -> None:
    fake_model.enqueue(Reply(tokens=TOKENS))
    async with small_window_stream(stream_url, auth_headers, "stalled-reader") as response:
        chunks = response.aiter_raw()
        await chunks.__anext__()  # the start frame; then nothing more is read
        await _plateau(fake_model, still=0.3)
        started = time.monotonic()
        stored = await eventually(lambda: [a for a in _answers("stalled-reader") if a[0] != "streaming"],
                                  timeout=30)
        waited = time.monotonic() - started
        assert stored and stored[0][0] == "cancelled" and 0 < stored[0][1] < len("".join(TOKENS)), stored
        assert waited < 30
        live = (await api("GET", "stream")).json["streams"]
        assert live == []  # the slot is free
        # the connection was closed: reading on ends (what was in the socket, then the end)
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            async for _ in chunks:
                pass
    assert len(fake_model.requests) == 1


async def test_a_slow_client_that_takes_something_is_waited_for(
        fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str]) -> None:
    """Slower than the model, so that what waits for it (our buffer and the few MiB the kernel
    holds) takes longer than the stall timeout to drain, but taking bytes all along: not a
    stalled client; it gets the whole answer."""
    tokens = TOKENS[:300]  # ~2.5 MiB of token frames, then the final frame with the whole text
    fake_model.enqueue(Reply(tokens=tokens))
    got, mark, started = bytearray(), 0, time.monotonic()
    async with small_window_stream(stream_url, auth_headers, "slow-but-reading") as response:
        async for chunk in response.aiter_raw():
            got += chunk
            if len(got) - mark >= 64 * 1024:  # ~1 MiB/s
                mark = len(got)
                await asyncio.sleep(0.05)
    assert time.monotonic() - started > STALL  # it was slower than the stall timeout
    assert got.count(b"event: token\n") == len(tokens) and b"event: complete\n" in got
    assert _answers("slow-but-reading") == [("complete", len("".join(tokens)))]


def test_the_kernel_queue_counts_what_the_peer_has_not_taken() -> None:
    """What the stall check adds to our own buffer: bytes written to a TCP socket that its peer
    has not read (and so not acknowledged) yet, from the kernel (TIOCOUTQ on Linux)."""
    from vibing2_lab.server.sse_writer import _kernel_queue

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # inherited: a small window
    server.bind(("127.0.0.1", 0))
    server.listen()
    with server, socket.create_connection(server.getsockname()) as client:
        peer, _ = server.accept()
        with peer:
            client.setblocking(False)
            sent = client.send(b"x" * 65536)  # far more than the peer's window: most of it waits
            held = _kernel_queue(client)
            assert 0 < held <= sent
            taken, peer_deadline = 0, time.monotonic() + 10
            peer.settimeout(5)
            while taken < sent and time.monotonic() < peer_deadline:
                taken += len(peer.recv(65536))
            assert taken == sent
            deadline = time.monotonic() + 5
            while _kernel_queue(client) and time.monotonic() < deadline:  # the last ACK arrives
                time.sleep(0.01)
            assert _kernel_queue(client) == 0
