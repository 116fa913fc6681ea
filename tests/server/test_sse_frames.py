"""The SSE frames the server writes: the token fast path makes exactly the bytes the generic
encoder makes, and every frame is valid UTF-8 JSON, lone surrogates from upstream included."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from vibing2_lab.events import ErrorEvent, TokenEvent, to_dict
from vibing2_lab.server.sse_frames import _dumps, event_frame, frame


def parse(data: bytes) -> tuple[str, dict]:
    text = data.decode("utf-8")  # strict: the frame is valid UTF-8
    assert text.endswith("\n\n") and text.count("\n") == 3, "one event line, one data line, a blank line"
    event_line, data_line = text.split("\n")[:2]
    assert event_line.startswith("event: ") and data_line.startswith("data: ")
    return event_line[7:], json.loads(data_line[6:])


@settings(max_examples=300, deadline=None)
@given(text=st.text(), agent=st.none() | st.text(), stream_id=st.text(min_size=1, max_size=40))
def test_token_frames_match_the_generic_encoder_and_parse_back(text: str, agent: str | None, stream_id: str) -> None:
    data = event_frame(TokenEvent(text, agent=agent), stream_id)
    kind, parsed = parse(data)
    assert (kind, parsed) == ("token", {"type": "token", "text": text, "agent": agent, "stream_id": stream_id})
    generic = f"event: token\ndata: {_dumps({'type': 'token', 'text': text, 'agent': agent, 'stream_id': stream_id})}\n\n"
    try:
        assert data == generic.encode()
    except UnicodeEncodeError:  # a lone surrogate: the generic path escapes it too
        assert data == frame("token", {"type": "token", "text": text, "agent": agent, "stream_id": stream_id})


def test_a_lone_surrogate_from_upstream_is_escaped_not_a_crash() -> None:
    lone = json.loads('"a\\ud800b"')  # what json.loads makes of an upstream delta carrying one
    kind, parsed = parse(event_frame(TokenEvent(lone, agent="coder"), "s1"))
    assert parsed["text"] == lone and b"\\ud800" in event_frame(TokenEvent(lone), "s1")
    error = ErrorEvent(kind="server", message=lone, status="error", partial_text=lone)
    kind, parsed = parse(event_frame(error, "s1"))
    assert kind == "error" and parsed == {**to_dict(error), "stream_id": "s1"}
