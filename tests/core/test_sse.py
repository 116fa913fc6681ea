"""The SSE decoder: WHATWG rules, and the same events however the bytes are split."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.providers.sse import EventTooLarge, ServerSentEvent, SSEDecoder, decode

MULTIBYTE = "Héllo wörld — 你好，世界 🎉🧪 ok"


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


@pytest.fixture(scope="module")
def real_streams(_fake_model_session: FakeModelServer) -> dict[str, bytes]:
    """Raw bodies as the fake server sends them, for both wire formats."""
    server = _fake_model_session
    server.reset()
    server.enqueue(Reply(text=MULTIBYTE), Reply(text=MULTIBYTE))
    body = {"model": "m", "stream": True, "messages": [], "stream_options": {"include_usage": True}}
    return {
        "anthropic": httpx.post(f"{server.url}/v1/messages", json=body).content,
        "openai": httpx.post(f"{server.openai_url}/chat/completions", json=body).content,
    }


def text_of(events: list[ServerSentEvent]) -> str:
    out = []
    for ev in events:
        if ev.data == "[DONE]":
            continue
        data = json.loads(ev.data)
        if ev.event == "content_block_delta":
            out.append(data["delta"]["text"])
        elif ev.event == "message" and data.get("choices"):
            out.append(data["choices"][0]["delta"].get("content", ""))
    return "".join(out)


def test_basic_fields_and_dispatch() -> None:
    events = decode([b"event: greet\ndata: a\ndata:b\nid: 7\nretry: 1500\n\n: comment\ndata: c\n\n"])
    assert events == [ServerSentEvent("greet", "a\nb", "7", 1500), ServerSentEvent("message", "c", "7", 1500)]


@pytest.mark.parametrize("raw, expected", [
    (b"data\n\n", [("message", "")]),                          # a field name alone: empty value
    (b"data:\n\n", [("message", "")]),                         # empty data still dispatches
    (b"event: x\n\n", []),                                     # no data: nothing dispatched ...
    (b"event: x\n\ndata: y\n\n", [("message", "y")]),          # ... and the event type is reset
    (b"data:  two spaces\n\n", [("message", " two spaces")]),  # only one leading space is dropped
    (b"data: a\nunknown: z\n\n", [("message", "a")]),          # unknown fields are ignored
    (b"data: cut off", []),                                    # an unfinished event is discarded
    (b"\xef\xbb\xbfdata: bom\n\n", [("message", "bom")]),      # a leading BOM is dropped
    (b"data: a\r\ndata: b\rdata: c\n\r\n", [("message", "a\nb\nc")]),  # CRLF, CR and LF mixed
])
def test_whatwg_rules(raw: bytes, expected: list[tuple[str, str]]) -> None:
    assert [(e.event, e.data) for e in decode([raw])] == expected


def test_id_with_nul_and_bad_retry_are_ignored() -> None:
    d = SSEDecoder()
    events = d.feed(b"id: 1\ndata: a\n\nid: x\x00y\nretry: 12a\ndata: b\n\n")
    assert [e.id for e in events] == ["1", "1"] and d.retry is None


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    # CR at the end of one chunk and LF at the start of the next: one line end, not two.
    assert [e.data for e in decode([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"])] == ["a\nb"]
    d = SSEDecoder()
    assert d.feed(b"data: a\r\r") == [ServerSentEvent("message", "a")] and d.feed(b"\n") == []
    assert not d.pending  # the LF of the CRLF left nothing behind


def test_multibyte_character_split_inside_its_bytes() -> None:
    raw = "data: 🎉你\n\n".encode()
    cut = raw.index("🎉".encode()) + 2  # inside the 4-byte emoji
    assert decode([raw[:cut], raw[cut:]])[0].data == "🎉你"


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert decode([b"data: a\xffb\n\n"])[0].data == "a\ufffdb"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=0), max_size=40), endings=st.sampled_from([b"\n", b"\r\n", b"\r"]),
       bom=st.booleans())
def test_real_streams_split_anywhere(real_streams: dict[str, bytes], cuts: list[int], endings: bytes,
                                     bom: bool) -> None:
    for wire, raw in real_streams.items():
        raw = raw.replace(b"\n", endings)
        raw = (b"\xef\xbb\xbf" if bom else b"") + raw
        whole = decode([raw])
        assert text_of(whole) == MULTIBYTE, wire
        assert decode(split_at(raw, cuts)) == whole, wire


_field_text = st.text(st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)), max_size=12)
_event = st.tuples(st.one_of(st.just(""), _field_text.filter(lambda s: s and not s.startswith(":"))),
                   st.lists(_field_text, min_size=1, max_size=4), st.booleans())


@settings(max_examples=200, deadline=None)
@given(events=st.lists(_event, max_size=8), cuts=st.lists(st.integers(min_value=0), max_size=30),
       endings=st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_generated_events_round_trip(events: list[tuple[str, list[str], bool]], cuts: list[int],
                                     endings: bytes) -> None:
    """Any events written in the format come back, whatever the line ends and the splits."""
    lines: list[str] = []
    for name, data, comment in events:
        if comment:
            lines.append(": a comment")
        if name:
            lines.append(f"event: {name}")
        lines.extend(f"data: {d}" for d in data)
        lines.append("")
    raw = b"".join(line.encode() + endings for line in lines)
    expected = [(name or "message", "\n".join(data)) for name, data, _ in events]
    assert [(e.event, e.data) for e in decode(split_at(raw, cuts))] == expected


def test_flush_dispatches_a_complete_pending_event() -> None:
    # Real servers end a stream right after the last data line; the SDKs dispatch it.
    d = SSEDecoder()
    assert d.feed(b'event: message_stop\ndata: {"type":"message_stop"}') == []
    assert d.pending
    assert d.flush() == [ServerSentEvent("message_stop", '{"type":"message_stop"}')]
    assert not d.pending and d.flush() == []


def test_flush_of_an_event_without_data_dispatches_nothing() -> None:
    d = SSEDecoder()
    d.feed(b"data: a\n\nevent: x")
    assert d.flush() == []


# -- the bound on one event ---------------------------------------------------------------
def test_a_line_that_never_ends_is_refused_at_the_bound() -> None:
    d = SSEDecoder(max_event=1000)
    d.feed(b"data: ok\n\ndata: ")
    with pytest.raises(EventTooLarge) as raised:
        for _ in range(100):
            d.feed(b"x" * 100)
    assert raised.value.limit == 1000 and not d.pending  # what it held is let go


def test_data_lines_of_an_event_that_never_ends_are_refused_at_the_bound() -> None:
    d = SSEDecoder(max_event=1000)
    with pytest.raises(EventTooLarge):
        for _ in range(100):
            d.feed(b"data: 0123456789\n")


def test_the_events_a_chunk_completed_before_the_overflow_are_kept() -> None:
    with pytest.raises(EventTooLarge) as raised:
        SSEDecoder(max_event=100).feed(b"data: a\n\ndata: b\n\ndata: " + b"x" * 200)
    assert [e.data for e in raised.value.events] == ["a", "b"]


def test_a_long_line_under_the_bound_decodes_whole() -> None:
    line = "é" * 300_000  # 600 kB, fed in 1 kB pieces that split its characters
    raw = f"data: {line}\n\n".encode()
    assert decode([raw[i:i + 1000] for i in range(0, len(raw), 1000)]) == [ServerSentEvent("message", line)]


@settings(max_examples=100, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0), max_size=400), endings=st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_many_events_split_anywhere_never_reach_the_bound(cuts: list[int], endings: bytes) -> None:
    """The bound is per event: a long stream of events, each well under it, cut anywhere
    (an event's data often waiting for its blank line in the next chunk), is never refused."""
    raw = b"".join(f"event: e\ndata: {i:05d} {'y' * 20}\ndata: z\n\n".encode() for i in range(400))
    raw = raw.replace(b"\n", endings)
    decoder = SSEDecoder(max_event=120)
    events = [e for chunk in split_at(raw, cuts + list(range(37, len(raw), 41))) for e in decoder.feed(chunk)]
    assert len(events) == 400 and events[-1].data == f"00399 {'y' * 20}\nz"
