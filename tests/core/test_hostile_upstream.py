"""Raw upstream bodies that no real API sends, on both wires and both paths (sync httpx, async
aiohttp), served verbatim by the fake model server over real HTTP: each answer still ends with
one clear final event, keeps its partial text, and the two paths agree."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

import pytest

from tests.core.conftest import ask
from tests.core.test_stream import RUNNERS, WIRES, check_contract
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.config import Settings
from vibing2_lab.events import CompleteEvent, ErrorEvent, StreamEvent, TokenEvent, ToolUseEvent
from vibing2_lab.providers import Cancel, get_provider
MAX_EVENT_BYTES = 8 * 1024 * 1024  # vibing2_lab.providers.sse.MAX_EVENT_BYTES

DEEP = "[" * 100_000 + "]" * 100_000  # valid JSON, nested far past the json module's recursion limit


def sse(event: str | None, data: Any) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    return (f"event: {event}\n" if event else "").encode() + f"data: {payload}\n\n".encode()


def anthropic_delta(text: str) -> bytes:
    return sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                       "delta": {"type": "text_delta", "text": text}})


ANTHROPIC_HEAD = (sse("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 5}}})
                  + sse("content_block_start", {"type": "content_block_start", "index": 0,
                                                "content_block": {"type": "text", "text": ""}}))
ANTHROPIC_END = (sse("content_block_stop", {"type": "content_block_stop", "index": 0})
                 + sse("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                         "usage": {"output_tokens": 1}})
                 + sse("message_stop", {"type": "message_stop"}))


def openai_delta(text: str) -> bytes:
    return sse(None, {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]})


OPENAI_END = sse(None, {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}) + b"data: [DONE]\n\n"
HEAD = {"anthropic": ANTHROPIC_HEAD, "openai": b""}
DELTA = {"anthropic": anthropic_delta, "openai": openai_delta}
END = {"anthropic": ANTHROPIC_END, "openai": OPENAI_END}


def run(settings: Settings, wire: str, mode: str, reply: Reply, fake: FakeModelServer) -> list[StreamEvent]:
    fake.enqueue(reply)
    return RUNNERS[mode](settings, wire, ask())


def run_watched(settings: Settings, wire: str, mode: str, *, stop_after: float = 15.0) -> list[StreamEvent]:
    """A call with a watchdog: after `stop_after` s its Cancel is stopped (its socket shut), so a
    call that would hang ends (as `cancelled`, failing the test) instead of hanging the suite."""
    cancel = Cancel()
    watchdog = threading.Timer(stop_after, cancel.stop)
    watchdog.start()
    try:
        provider = get_provider(wire, settings=settings)
        if mode == "sync":
            return list(provider.stream(ask(), cancel=cancel))

        async def collect() -> list[StreamEvent]:
            return [e async for e in provider.astream(ask(), cancel=cancel)]

        return asyncio.run(collect())
    finally:
        watchdog.cancel()


def tokens(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TokenEvent))


# -- JSON nested past the parser's depth -------------------------------------------------
@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_json_nested_past_the_parsers_depth_is_a_protocol_error(
        fake_model: FakeModelServer, settings: Settings, wire: str, mode: str,
        caplog: pytest.LogCaptureFixture) -> None:
    """Before: RecursionError escaped the event dispatch, so the answer ended as 'Unexpected
    RecursionError ... This is a bug in vibing2-lab' with a logged traceback, and (when the
    whole body came in one read) the tokens of that read never streamed."""
    caplog.set_level(logging.ERROR, logger="vibing2_lab")
    body = HEAD[wire] + DELTA[wire]("a") + f"data: {DEEP}\n\n".encode() + END[wire]
    events = run(settings, wire, mode, Reply(raw=body, raw_chunk=len(body)), fake_model)
    final = check_contract(events)
    assert isinstance(final, ErrorEvent) and final.kind == "protocol", final
    assert "unexpected shape after 1 tokens (RecursionError" in final.message
    assert "bug in vibing2-lab" not in final.hint and "points at an API" in final.hint
    assert final.partial_text == "a" == tokens(events)
    assert [r.getMessage() for r in caplog.records] == []


@pytest.mark.parametrize("wire", WIRES)
def test_tool_input_nested_past_the_parsers_depth_is_kept_raw(fake_model: FakeModelServer, settings: Settings,
                                                              wire: str) -> None:
    events = run(settings, wire, "sync", Reply(text="Let me see.", tool_uses=[{"name": "f", "raw": DEEP}]),
                 fake_model)
    final = check_contract(events)
    assert isinstance(final, CompleteEvent), final
    (use,) = [e for e in events if isinstance(e, ToolUseEvent)]
    assert use.name == "f" and use.input == {} and use.raw_input == DEEP  # the tool loop reports it


# -- what comes after the end of the answer ---------------------------------------------------
@pytest.mark.parametrize("split", [False, True], ids=["one-read", "split"])
@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_events_after_the_end_of_the_answer_are_not_part_of_it(
        fake_model: FakeModelServer, settings: Settings, wire: str, mode: str, split: bool) -> None:
    """A `[DONE]` / `message_stop` followed by more tokens: the answer is what came before the
    end, however the bytes were split. Before, the tokens after the end were added to the answer
    when they arrived in the same read as the end, and dropped when they came in a later one."""
    body = HEAD[wire] + DELTA[wire]("before") + END[wire] + DELTA[wire](" AFTER") + END[wire]
    reply = (Reply(raw=body, raw_chunk=32, raw_delay=0.002) if split else Reply(raw=body, raw_chunk=len(body)))
    events = run(settings, wire, mode, reply, fake_model)
    final = check_contract(events)
    assert isinstance(final, CompleteEvent), final
    assert final.text == "before" == tokens(events)


def test_a_message_stop_before_any_message_start_ends_the_answer_there(fake_model: FakeModelServer,
                                                                       settings: Settings) -> None:
    body = sse("message_stop", {"type": "message_stop"}) + ANTHROPIC_HEAD + anthropic_delta("late") + ANTHROPIC_END
    results = {mode: run(settings, "anthropic", mode, Reply(raw=body, raw_chunk=len(body)), fake_model)
               for mode in RUNNERS}
    assert [(e.type, getattr(e, "text", None)) for e in results["sync"]] == [("complete", "")]
    assert [(e.type, getattr(e, "text", None)) for e in results["async"]] == [("complete", "")]


# -- a line or an event that never ends ----------------------------------------------------------
ENDLESS = {"line": b"x" * 65536, "data lines": b"data: x\n" * 8192}


@pytest.mark.parametrize("endless", ENDLESS)
@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_an_event_that_never_ends_is_a_protocol_error_not_a_growing_buffer(
        fake_model: FakeModelServer, settings: Settings, wire: str, mode: str, endless: str) -> None:
    """The body keeps flowing (no idle timeout) but never ends its line or its event. Before,
    the decoder buffered all of it (memory without bound, and each chunk copied the whole
    buffer again); here a watchdog's stop() would end such a call as `cancelled`."""
    head = HEAD[wire] + DELTA[wire]("a") + (b"data: " if endless == "line" else b"")
    fake_model.enqueue(Reply(raw=head, raw_forever=ENDLESS[endless]))
    events = run_watched(settings, wire, mode)
    final = check_contract(events)
    assert isinstance(final, ErrorEvent) and final.kind == "protocol", final
    assert f"a stream event of more than {MAX_EVENT_BYTES / 2 ** 20:g} MiB" in final.message
    assert final.partial_text == "a" == tokens(events)


# -- a 2xx body that is not an event stream ----------------------------------------------------
@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("content_type, body, said", [
    # Media types are case-insensitive: before, only a lower-case application/json was recognised.
    ("Application/JSON", b'{"id": "x", "content": [{"type": "text", "text": "whole"}]}',
     "answered with JSON instead of an event stream."),
    ("application/problem+json", b'{"title": "nope"}', "answered with JSON instead of an event stream."),
    # A web page (a wrong base URL, a proxy's login page): before, 'ended with no end-of-answer event'.
    ("text/html; charset=utf-8", b"<html><body>Please log in</body></html>\n",
     "answered with an HTML page (text/html) instead of an event stream."),
    # Read anyway (it might be a mislabelled stream); when no answer came, the type is named.
    ("application/x-ndjson", b'{"message": {"content": "hi"}, "done": true}\n',
     "ended with no end-of-answer event after 0 tokens (its content-type was application/x-ndjson, "
     "not text/event-stream)."),
    ("", b"nothing here\n", "ended with no end-of-answer event after 0 tokens (its content-type was missing, "
                            "not text/event-stream)."),
])
def test_a_body_that_is_not_an_event_stream_is_named(fake_model: FakeModelServer, settings: Settings, wire: str,
                                                     mode: str, content_type: str, body: bytes, said: str) -> None:
    events = run(settings, wire, mode, Reply(raw=body, headers={"content-type": content_type}), fake_model)
    assert len(events) == 1
    final = check_contract(events)
    assert isinstance(final, ErrorEvent) and final.kind == "protocol", final
    assert final.message == f"{wire} {said}" if said.startswith("answered") else final.message.endswith(said)
    assert "points at an API speaking the" in final.hint


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_a_mislabelled_event_stream_is_still_read(fake_model: FakeModelServer, settings: Settings, wire: str,
                                                  mode: str) -> None:
    body = HEAD[wire] + DELTA[wire]("fine") + END[wire]
    events = run(settings, wire, mode, Reply(raw=body, headers={"content-type": "text/plain"}), fake_model)
    final = check_contract(events)
    assert isinstance(final, CompleteEvent) and final.text == "fine" == tokens(events)


# -- response heads ------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", RUNNERS)
def test_a_long_response_header_is_read_on_both_paths(fake_model: FakeModelServer, settings: Settings,
                                                      mode: str) -> None:
    """A 20 kB cookie (some gateways set them): the sync path (httpcore) reads up to 100 KiB of
    head; before, the async path (aiohttp's 8,190-byte default) ended the answer as 'connection
    lost after 0 tokens: 400, message="Got more than 8190 bytes..."'."""
    body = HEAD["anthropic"] + DELTA["anthropic"]("fine") + END["anthropic"]
    events = run(settings, "anthropic", mode, Reply(raw=body, headers={"set-cookie": "a=" + "b" * 20_000}), fake_model)
    final = check_contract(events)
    assert isinstance(final, CompleteEvent) and final.text == "fine", final


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("length", [str(10 ** 20), "lots", "-5"])
def test_a_bad_content_length_is_a_lost_connection_in_plain_words(fake_model: FakeModelServer, settings: Settings,
                                                                  mode: str, length: str) -> None:
    """Both HTTP libraries refuse it; neither message may pass off the parser's own code as an
    HTTP status the server sent (aiohttp's str() reads '400, message=..., url=...')."""
    settings.retries.max = 0
    body = HEAD["anthropic"] + DELTA["anthropic"]("x") + END["anthropic"]
    events = run(settings, "anthropic", mode, Reply(raw=body, headers={"content-length": length}), fake_model)
    final = check_contract(events)
    assert isinstance(final, ErrorEvent) and final.kind == "connect", final
    assert final.message.startswith("The connection to anthropic was lost after 0 tokens: ")
    assert "Content-Length" in final.message and "400" not in final.message and "url=" not in final.message


# -- split at every byte, through both HTTP stacks ---------------------------------------------------
MULTIBYTE = "Héllo 你好 🎉"


@pytest.mark.parametrize("endings", ["lf", "crlf+bom"])
@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_a_body_written_a_byte_at_a_time_reads_whole(fake_model: FakeModelServer, settings: Settings, wire: str,
                                                     mode: str, endings: str) -> None:
    """Each byte in its own write (multi-byte characters and CRLF pairs cut in two), read
    through httpx (sync) and aiohttp (async); test_sse.py splits at the decoder only."""
    body = HEAD[wire] + DELTA[wire](MULTIBYTE) + DELTA[wire](" ok") + END[wire]
    if endings == "crlf+bom":
        body = b"\xef\xbb\xbf" + body.replace(b"\n", b"\r\n")
    events = run(settings, wire, mode, Reply(raw=body, raw_chunk=1, raw_delay=0.0002), fake_model)
    final = check_contract(events)
    assert isinstance(final, CompleteEvent) and final.text == MULTIBYTE + " ok" == tokens(events), final


# -- a body that goes on after the answer's end ----------------------------------------------------
KEEP_ALIVE = {"anthropic": b'event: ping\ndata: {"type": "ping"}\n\n' * 100, "openai": b": keep-alive\n\n" * 300}


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_a_body_that_keeps_flowing_after_the_answer_does_not_hold_the_call(
        fake_model: FakeModelServer, settings: Settings, wire: str, mode: str) -> None:
    """The end event came, then the upstream sends keep-alives forever. What is read of the rest
    (to pool the connection) is bounded: before, the sync call never returned (each read was
    within the idle timeout) and the async one buffered the body for the whole idle timeout."""
    settings.timeouts.idle = 4.0
    body = HEAD[wire] + DELTA[wire]("done") + END[wire]
    fake_model.enqueue(Reply(raw=body, raw_forever=KEEP_ALIVE[wire]))
    t0 = time.perf_counter()
    events = run_watched(settings, wire, mode)
    elapsed = time.perf_counter() - t0
    final = check_contract(events)
    assert isinstance(final, CompleteEvent) and final.text == "done", final
    assert elapsed < 3.5, elapsed  # well under the idle timeout: the drain stopped at its byte bound


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_an_error_body_that_never_ends_is_read_only_as_far_as_it_is_used(
        fake_model: FakeModelServer, settings: Settings, wire: str, mode: str) -> None:
    """An HTTP 500 whose body never ends: its first 64 KiB (all error_body() parses) name the
    error. Before, the sync call never returned, and the async one ended after the idle timeout
    saying the upstream 'sent nothing', holding all it had sent in memory."""
    settings.retries.max = 0
    settings.timeouts.idle = 4.0
    fake_model.enqueue(Reply(fault="http", status=500, raw=b'{"error": {"type": "api_error", "message": "',
                             raw_forever=b"x" * 65536))
    t0 = time.perf_counter()
    events = run_watched(settings, wire, mode)
    final = check_contract(events)
    assert isinstance(final, ErrorEvent) and final.kind == "server", final
    assert final.message.startswith(f'{wire} answered HTTP 500: {{"error": {{"type": "api_error", "message": "xxx')
    assert time.perf_counter() - t0 < 3.5


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_a_body_that_does_not_decode_is_a_protocol_error(fake_model: FakeModelServer, settings: Settings, wire: str,
                                                         mode: str, caplog: pytest.LogCaptureFixture) -> None:
    """`content-encoding: gzip` over bytes that are not gzip. Before: the sync path ended with
    'Unexpected DecodingError ... This is a bug in vibing2-lab' (and logged a traceback), the
    async one with 'connection lost ...: 400, message: Can not decode' (and retried it)."""
    caplog.set_level(logging.ERROR, logger="vibing2_lab")
    reply = Reply(raw=b"\x1f\x8bnot gzip at all", headers={"content-encoding": "gzip"})
    final = check_contract(run(settings, wire, mode, reply, fake_model))
    assert isinstance(final, ErrorEvent) and final.kind == "protocol", final
    assert final.message.startswith(f"{wire} sent a body that does not decode after 0 tokens: ")
    assert "400" not in final.message and "bug in vibing2-lab" not in final.hint
    assert len(fake_model.requests) == 1 and [r.getMessage() for r in caplog.records] == []


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("status", [301, 307])
def test_a_redirect_says_where_to_and_that_it_is_not_followed(fake_model: FakeModelServer, settings: Settings,
                                                             mode: str, status: int) -> None:
    """Before: 'anthropic answered HTTP 301.' and a hint to check the model name."""
    reply = Reply(fault="http", status=status, raw=b"",
                  headers={"location": "https://elsewhere.example/v1/messages", "content-length": "0"})
    final = check_contract(run(settings, "anthropic", mode, reply, fake_model))
    assert isinstance(final, ErrorEvent) and final.kind == "provider", final
    assert final.message == (f"anthropic answered HTTP {status} (a redirect to "
                             "https://elsewhere.example/v1/messages, not followed).")
    assert "base URL" in final.hint and len(fake_model.requests) == 1
