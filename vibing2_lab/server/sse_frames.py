"""SSE frames for the core's events: `event: <type>` and one `data:` line of JSON. The token
frame runs once per relayed token, so it has a path of its own."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from ..events import StreamEvent, to_dict

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ascii_dumps = json.JSONEncoder(separators=(",", ":")).encode
_json_str = encode_basestring  # what the first encoder writes for a str


def frame(event_type: str, data: dict[str, Any]) -> bytes:
    """`event: <type>\\ndata: <json>\\n\\n` (JSON escapes newlines, so one data line is enough)."""
    try:
        return f"event: {event_type}\ndata: {_dumps(data)}\n\n".encode()
    except UnicodeEncodeError:  # a lone surrogate (JSON from upstream may carry one): escaped, valid UTF-8
        return f"event: {event_type}\ndata: {_ascii_dumps(data)}\n\n".encode()


def event_frame(event: StreamEvent, stream_id: str) -> bytes:
    """The frame for one core event, its data carrying `stream_id`."""
    if event.type == "token":
        text, agent = event.text, event.agent  # type: ignore[union-attr]
        if type(text) is str and (agent is None or type(agent) is str) and type(stream_id) is str:
            # The hot path, the bytes frame() would make: the JSON encoder's own string escaping
            # (its C function) around a fixed layout, with no dict and no encoder call.
            try:
                return (f'event: token\ndata: {{"type":"token","text":{_json_str(text)},"agent":'
                        f'{"null" if agent is None else _json_str(agent)},"stream_id":{_json_str(stream_id)}}}\n\n'
                        ).encode()
            except UnicodeEncodeError:
                pass
        data: dict[str, Any] = {"type": "token", "text": text, "agent": agent}
    else:
        data = to_dict(event)
    data["stream_id"] = stream_id
    return frame(event.type, data)


HEARTBEAT = b": keep-alive\n\n"  # an SSE comment: ignored by readers, reveals a client that left
