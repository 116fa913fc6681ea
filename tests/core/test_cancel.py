"""Cancellation: stop() from another thread or task ends a blocked stream and keeps the partial text."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from typing import Any

import pytest

from tests.core.conftest import ask
from tests.core.test_stream import WIRES
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.config import Settings
from vibing2_lab.events import CompleteEvent, ErrorEvent, StreamEvent, TokenEvent
from vibing2_lab.providers import Cancel, StreamInterrupted, get_provider

BOUND = 2.0  # generous functional bound; the measured latency is printed by the benchmarks


def stop_later(cancel: Cancel, delay: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(delay), cancel.stop()))
    thread.start()
    return thread


def tokens_seen(events: list[StreamEvent]) -> int:
    return sum(isinstance(e, TokenEvent) for e in events)


def wait_for_tokens(*streams: list[StreamEvent], n: int = 1) -> None:
    """Until every list holds `n` tokens (not a fixed sleep: a loaded machine is slow), then a
    moment more: the streams stall there, so nothing else can arrive."""
    deadline = time.monotonic() + 30
    while any(tokens_seen(events) < n for events in streams) and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)


def stop_after_tokens(cancel: Cancel, events: list[StreamEvent], n: int) -> threading.Thread:
    """Stop from another thread once `n` tokens have arrived."""
    def watch() -> None:
        wait_for_tokens(events, n=n)
        cancel.stop()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def consume(stream: Any, events: list[StreamEvent]) -> list[StreamEvent]:
    for event in stream:
        events.append(event)
    return events


def assert_cancelled(events: list[StreamEvent], partial: str) -> ErrorEvent:
    final = events[-1]
    assert isinstance(final, ErrorEvent)
    assert (final.kind, final.status, final.partial_text) == ("cancelled", "cancelled", partial)
    assert "".join(e.text for e in events if isinstance(e, TokenEvent)) == partial
    return final


@pytest.mark.parametrize("wire", WIRES)
def test_stop_from_another_thread_ends_a_stalled_stream(fake_model: FakeModelServer, settings: Settings,
                                                        wire: str) -> None:
    fake_model.enqueue(Reply(text="alpha beta gamma delta", fault="stall", after=2))
    cancel, events = Cancel(), []
    watcher = stop_after_tokens(cancel, events, 2)
    consume(get_provider(wire, settings=settings).stream(ask(), cancel=cancel), events)
    watcher.join()
    assert cancel.stopped  # idle timeout is 10 s: only stop() can have ended it
    assert_cancelled(events, "alpha beta")


def test_stop_while_waiting_for_the_response_headers(fake_model: FakeModelServer, settings: Settings) -> None:
    fake_model.enqueue(Reply(text="never", header_delay=30))
    cancel = Cancel()
    stop_later(cancel, 0.3)
    t0 = time.perf_counter()
    events = list(get_provider("anthropic", settings=settings).stream(ask(), cancel=cancel))
    assert time.perf_counter() - t0 < BOUND
    assert_cancelled(events, "")


def test_the_transport_tracks_sockets_before_the_headers(settings: Settings) -> None:
    # The hook that makes the test above possible relies on httpx/httpcore internals.
    from vibing2_lab.providers._net import _Backend, sync_client

    assert isinstance(sync_client(settings.timeouts)._transport._pool._network_backend, _Backend)  # type: ignore


@pytest.mark.parametrize("when", ["connecting", "waiting-for-headers"])
def test_async_stop_before_the_response_headers(fake_model: FakeModelServer, settings: Settings, when: str) -> None:
    """The async path (the server's) has no socket to shut before the headers: the stop cancels
    the request instead, and the call ends cancelled at once, not after the idle timeout."""
    import socket as socketlib

    listener = None
    if when == "connecting":  # a listener that never accepts nor answers: the kernel holds the connection
        listener = socketlib.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        settings.providers["anthropic"].base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    else:
        fake_model.enqueue(Reply(text="never", header_delay=30))

    async def main() -> tuple[list[StreamEvent], float]:
        cancel = Cancel()
        asyncio.get_running_loop().call_later(0.3, cancel.stop)
        t0 = time.perf_counter()
        events = [e async for e in get_provider("anthropic", settings=settings).astream(ask(), cancel=cancel)]
        return events, time.perf_counter() - t0

    try:
        events, took = asyncio.run(main())
    finally:
        if listener is not None:
            listener.close()
    assert took < BOUND
    assert_cancelled(events, "")


def test_stop_during_the_retry_backoff(fake_model: FakeModelServer, settings: Settings) -> None:
    fake_model.enqueue(Reply(fault="http", status=429, headers={"retry-after": "30"}))
    cancel = Cancel()
    stop_later(cancel, 0.3)
    t0 = time.perf_counter()
    events = list(get_provider("anthropic", settings=settings).stream(ask(), cancel=cancel))
    assert time.perf_counter() - t0 < BOUND
    assert_cancelled(events, "")
    assert len(fake_model.requests) == 1


def test_stop_before_the_start(fake_model: FakeModelServer, settings: Settings) -> None:
    cancel = Cancel()
    cancel.stop()
    events = list(get_provider("anthropic", settings=settings).stream(ask(), cancel=cancel))
    assert len(events) == 1 and assert_cancelled(events, "") and fake_model.requests == []


@pytest.mark.parametrize("wire", WIRES)
def test_async_stop_from_a_task(fake_model: FakeModelServer, settings: Settings, wire: str) -> None:
    fake_model.enqueue(Reply(text="one two three", fault="stall", after=1))

    async def main() -> tuple[list[StreamEvent], float]:
        cancel = Cancel()
        events: list[StreamEvent] = []

        async def consume() -> None:
            async for event in get_provider(wire, settings=settings).astream(ask(), cancel=cancel):
                events.append(event)

        task = asyncio.create_task(consume())
        for _ in range(3000):  # until the one token before the stall has arrived
            if tokens_seen(events):
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        t0 = time.perf_counter()
        cancel.stop()
        await asyncio.wait_for(task, BOUND)
        return events, time.perf_counter() - t0

    events, latency = asyncio.run(main())
    assert latency < BOUND
    assert_cancelled(events, "one")


def test_async_stop_from_another_thread(fake_model: FakeModelServer, settings: Settings) -> None:
    fake_model.enqueue(Reply(text="one two three", fault="stall", after=2))
    cancel = Cancel()

    events: list[StreamEvent] = []

    async def main() -> list[StreamEvent]:
        stop_after_tokens(cancel, events, 2)
        async for event in get_provider("anthropic", settings=settings).astream(ask(), cancel=cancel):
            events.append(event)
        return events

    asyncio.run(asyncio.wait_for(main(), 30))
    assert_cancelled(events, "one two")


def test_one_cancel_stops_parallel_streams(fake_model: FakeModelServer, settings: Settings) -> None:
    fake_model.default = Reply(text="a b c d", fault="stall", after=1)
    cancel = Cancel()
    results: list[list[StreamEvent]] = [[], []]

    def run(i: int) -> None:
        consume(get_provider("anthropic", settings=settings).stream(ask(), cancel=cancel), results[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    wait_for_tokens(*results)
    cancel.stop()
    for t in threads:
        t.join(BOUND)
        assert not t.is_alive()
    for events in results:
        assert_cancelled(events, "a")


def test_keyboard_interrupt_ends_the_request_and_carries_the_partial_text(
        fake_model: FakeModelServer, settings: Settings) -> None:
    fake_model.enqueue(Reply(text="first second third", fault="stall", after=2))
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    main_thread = threading.main_thread().ident
    assert threading.get_ident() == main_thread  # signals are delivered to the main thread
    seen: list[StreamEvent] = []

    def interrupt_after_two_tokens() -> None:
        wait_for_tokens(seen, n=2)
        signal.pthread_kill(main_thread, signal.SIGINT)

    timer = threading.Thread(target=interrupt_after_two_tokens, daemon=True)
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt) as info:
            for event in get_provider("anthropic", settings=settings).stream(ask()):
                seen.append(event)
    finally:
        timer.join()
        signal.signal(signal.SIGINT, previous)
    assert isinstance(info.value, StreamInterrupted)
    final = info.value.event
    assert (final.kind, final.status, final.partial_text) == ("cancelled", "cancelled", "first second")
    assert "".join(e.text for e in seen if isinstance(e, TokenEvent)) == "first second"
    # the connection was closed: the next call works normally
    fake_model.enqueue(Reply(text="fresh"))
    assert isinstance(list(get_provider("anthropic", settings=settings).stream(ask()))[-1], CompleteEvent)


def test_cancel_callbacks_run_once_and_can_be_removed() -> None:
    cancel, calls = Cancel(), []
    unhook = cancel.on_stop(lambda: calls.append("a"))
    cancel.on_stop(lambda: calls.append("b"))
    unhook()
    cancel.stop()
    cancel.stop()
    cancel.on_stop(lambda: calls.append("late"))  # already stopped: runs at once
    assert calls == ["b", "late"] and cancel.stopped and cancel.wait(10)
