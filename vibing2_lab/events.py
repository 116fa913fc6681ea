"""StreamEvent: what every provider yields and every adapter renders.

Four plain dataclasses, the Vibing2 StreamEvent types:

    TokenEvent      a piece of answer text, as it arrives
    ToolUseEvent    the model asked for a tool (name + input), as soon as the input is complete
    ToolResultEvent a tool call ended: status ok / error / denied, a short preview of the result
    CompleteEvent   the answer finished: full text, usage, stop reason, timings
    ErrorEvent      the answer ended early (status "error" or "cancelled"),
                    keeping the partial text received so far

A stream yields any number of token/tool_use/tool_result events and ends with exactly one
complete or error event. `to_dict()` gives the JSON shape used by
`vibing2-lab ask --json`, the server's SSE stream and the notebook record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Union

Status = Literal["complete", "error", "cancelled"]
FINAL_TYPES = frozenset({"complete", "error"})  # the event types that end a stream


@dataclass
class Usage:
    """Token counts as reported by the provider (0 when it reports none)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass
class Timings:
    """Seconds, measured on the client: time to first token and total."""

    ttft: float | None = None
    duration: float = 0.0


@dataclass
class TokenEvent:
    text: str
    agent: str | None = None
    type: Literal["token"] = field(default="token", init=False)


@dataclass
class ToolUseEvent:
    id: str
    name: str
    input: dict[str, Any]
    agent: str | None = None
    # Set when the model's input was not a JSON object (malformed, or cut off by max_tokens):
    # the raw text it sent; `input` is then {} and the loop answers with an error result.
    raw_input: str | None = None
    type: Literal["tool_use"] = field(default="tool_use", init=False)


def tool_use(id: str, name: str, raw: str) -> ToolUseEvent:
    """A ToolUseEvent from the input JSON a wire assembled; input that is not a JSON object
    (malformed, or cut off by max_tokens) is kept in `raw_input` for the loop to report."""
    import json

    try:
        value = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        value = None
    if isinstance(value, dict):
        return ToolUseEvent(id=id, name=name, input=value)
    return ToolUseEvent(id=id, name=name, input={}, raw_input=raw)


ToolStatus = Literal["ok", "error", "denied"]


@dataclass
class ToolResultEvent:
    id: str
    name: str
    status: ToolStatus
    content: str  # a short preview; the full result is in the record
    is_error: bool = False
    agent: str | None = None
    type: Literal["tool_result"] = field(default="tool_result", init=False)


@dataclass
class CompleteEvent:
    text: str
    usage: Usage = field(default_factory=Usage)
    stop_reason: str | None = None
    request_id: str | None = None
    timings: Timings = field(default_factory=Timings)
    provider: str | None = None
    model: str | None = None
    agent: str | None = None
    status: Status = "complete"
    cost_usd: float | None = None  # estimate from the price table (set by the session)
    type: Literal["complete"] = field(default="complete", init=False)


@dataclass
class ErrorEvent:
    kind: str
    message: str
    partial_text: str = ""
    status: Status = "error"
    usage: Usage = field(default_factory=Usage)
    request_id: str | None = None
    timings: Timings = field(default_factory=Timings)
    provider: str | None = None
    model: str | None = None
    agent: str | None = None
    hint: str = ""  # how to fix it (the matching errors.py class's hint)
    cost_usd: float | None = None
    type: Literal["error"] = field(default="error", init=False)


StreamEvent = Union[TokenEvent, ToolUseEvent, ToolResultEvent, CompleteEvent, ErrorEvent]

_BY_TYPE: dict[str, type] = {
    "token": TokenEvent,
    "tool_use": ToolUseEvent,
    "tool_result": ToolResultEvent,
    "complete": CompleteEvent,
    "error": ErrorEvent,
}


def to_dict(event: StreamEvent) -> dict[str, Any]:
    """The event as a JSON-ready dict with its `type` first."""
    data = asdict(event)
    return {"type": data.pop("type"), **data}


def from_dict(data: dict[str, Any]) -> StreamEvent:
    """Inverse of `to_dict`; unknown keys are an error."""
    data = dict(data)
    cls = _BY_TYPE[data.pop("type")]
    if "usage" in data and isinstance(data["usage"], dict):
        data["usage"] = Usage(**data["usage"])
    if "timings" in data and isinstance(data["timings"], dict):
        data["timings"] = Timings(**data["timings"])
    return cls(**data)
