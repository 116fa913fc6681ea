"""Frames ready at once go out in one write; nothing is held back while the stream waits.

`next_item` (server/coalesce.py) steps an async iterator as the event loop would and tells the
relay when the source is about to wait; the SSE writer writes what it queued at that moment."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import AsyncIterator

import pytest

from tests.fakes.model_server import FakeModelServer, Reply, _sse
from tests.server.conftest import Api, sse, tokens_of
from vibing2_lab.server.coalesce import next_item


async def drain(source: AsyncIterator[object]) -> tuple[list[object], list[int]]:
    """Every item, and how many before_wait calls came before each."""
    items, waits, count = [], [], [0]

    def before_wait() -> None:
        count[0] += 1

    while True:
        try:
            item = await next_item(source, before_wait)
        except StopAsyncIteration:
            return items, waits
        items.append(item)
        waits.append(count[0])
        count[0] = 0


async def test_items_ready_at_once_come_without_a_wait() -> None:
    async def ready() -> AsyncIterator[int]:
        for n in range(3):
            yield n

    assert await drain(ready()) == ([0, 1, 2], [0, 0, 0])


async def test_before_wait_runs_once_before_each_wait_and_results_come_back_down() -> None:
    loop = asyncio.get_running_loop()

    async def waits() -> AsyncIterator[str]:
        yield "now"
        for n in range(3):
            future = loop.create_future()
            loop.call_later(0.005, future.set_result, f"r{n}")
            yield await future  # the future's result must reach the source through the relay
        await asyncio.sleep(0.005)  # a wait before the end, too

    items, waits_before = await drain(waits())
    assert items == ["now", "r0", "r1", "r2"]
    assert waits_before == [0, 1, 1, 1]


async def test_a_cancellation_while_waiting_reaches_the_source() -> None:
    ended: list[str] = []
    waiting = asyncio.Event()

    async def forever() -> AsyncIterator[int]:
        try:
            waiting.set()
            await asyncio.Event().wait()
            yield 1
        except asyncio.CancelledError:
            ended.append("cancelled")
            raise
        finally:
            ended.append("finally")

    source = forever()
    task = asyncio.ensure_future(next_item(source, lambda: None))
    await waiting.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ended == ["cancelled", "finally"]


async def test_an_error_after_a_wait_comes_from_the_source_as_it_was() -> None:
    async def fails() -> AsyncIterator[int]:
        await asyncio.sleep(0.001)
        raise ValueError("upstream broke")
        yield 0  # pragma: no cover  (makes this an async generator)

    with pytest.raises(ValueError, match="upstream broke"):
        await next_item(fails(), lambda: None)


def frames_and_writes(caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    [found] = [m for m in (re.search(r"stream: (\d+) frames in (\d+) writes", r.getMessage()) for r in caplog.records)
               if m]
    return int(found.group(1)), int(found.group(2))


def burst_after_one(tokens: list[str]) -> Reply:
    """An Anthropic body in exactly two writes, 50 ms apart: the first token alone, then every
    other token and the end at once (padded with SSE comments to one chunk size)."""
    def delta(text: str) -> bytes:
        return _sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                            "delta": {"type": "text_delta", "text": text}})

    head = (_sse("message_start", {"type": "message_start", "message": {
        "id": "msg_burst", "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5",
        "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 3, "output_tokens": 1}}})
        + _sse("content_block_start", {"type": "content_block_start", "index": 0,
                                       "content_block": {"type": "text", "text": ""}}) + delta(tokens[0]))
    tail = b"".join(delta(t) for t in tokens[1:]) + _sse("content_block_stop", {"type": "content_block_stop",
                                                                                 "index": 0}) \
        + _sse("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                 "usage": {"output_tokens": len(tokens)}}) + _sse("message_stop", {"type": "message_stop"})
    size = max(len(head), len(tail)) + 8
    pad = lambda part: part + b": " + b"x" * (size - len(part) - 3) + b"\n"  # noqa: E731  (a comment line)
    return Reply(raw=pad(head) + pad(tail), raw_chunk=size, raw_delay=0.05)


async def test_a_burst_from_the_model_is_written_at_once(api: Api, fake_model: FakeModelServer,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    """59 tokens come in one write from the model, after a first one alone: frame by frame that
    burst was 59 writes (a send() and a wakeup of the client each); the relay writes what is
    ready at once together."""
    caplog.set_level(logging.DEBUG)
    tokens = [f"t{n} " for n in range(60)]
    fake_model.enqueue(burst_after_one(tokens))
    answer = await api("POST", "stream", {"prompt": "burst", "project": "burst"})
    events = sse(answer.body)
    assert tokens_of(events) == tokens and events[-1][0] == "complete"
    frames, writes = frames_and_writes(caplog)
    assert frames == 62  # start, 60 tokens, complete
    assert writes <= 6, f"{frames} frames in {writes} writes"


async def test_tokens_apart_in_time_are_each_written_when_they_come(api: Api, fake_model: FakeModelServer,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    """Nothing is held back while the stream waits for the model: a token that came alone is
    written before the relay waits for the next."""
    caplog.set_level(logging.DEBUG)
    fake_model.enqueue(Reply(tokens=["a ", "b ", "c ", "d ", "e "], delay=0.03))
    answer = await api("POST", "stream", {"prompt": "apart", "project": "apart"})
    assert tokens_of(sse(answer.body)) == ["a ", "b ", "c ", "d ", "e "]
    frames, writes = frames_and_writes(caplog)
    # start, 5 tokens, complete; the last token may share its read (and write) with the end
    assert frames == 7 and writes >= 6, f"{frames} frames in {writes} writes"
