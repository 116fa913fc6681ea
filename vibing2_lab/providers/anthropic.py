"""Anthropic Messages API: POST {base}/v1/messages with `stream: true`, read as SSE.

Stream: message_start (id, input usage) → content_block_start/delta/stop per block
(text_delta → TokenEvent; a tool_use block's input_json_delta pieces → one ToolUseEvent
at its content_block_stop) → message_delta (stop reason, output usage) → message_stop.
Thinking (thinking_delta, signature_delta, a redacted_thinking block) and citations are
never answer text, but they are progress: a long think is not a stalled stream.
`ping` is ignored; `event: error` ends the stream with the error's type.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable

from ..events import StreamEvent, TokenEvent, ToolUseEvent, Usage
from .sse import ServerSentEvent
from ._values import answer_text, count
from .base import ModelRequest, Provider

_loads = json.JSONDecoder().decode  # json.loads minus its per-call argument handling

if TYPE_CHECKING:
    from ..keys import ApiKey
    from ..tools import ToolStep
    from ._exchange import Exchange

DEFAULT_VERSION = "2023-06-01"
# Deltas that are content but not answer text, and the field that carries it: they set
# `progressed`, so timeouts.progress does not end a long think as if it were keep-alives.
_PROGRESS_DELTAS = {"thinking_delta": "thinking", "signature_delta": "signature", "citations_delta": "citation"}
_USAGE_FIELDS = (("input_tokens", "input_tokens"), ("output_tokens", "output_tokens"),
                 ("cache_read_input_tokens", "cache_read_tokens"),
                 ("cache_creation_input_tokens", "cache_write_tokens"))


def _usage(usage: Usage, data: Any) -> None:
    if not isinstance(data, dict):
        return
    for wire_name, name in _USAGE_FIELDS:
        value = count(data.get(wire_name))
        if value is not None:
            setattr(usage, name, value)


class AnthropicWire:
    """Anthropic's stream events → StreamEvents (state: the open tool_use blocks)."""

    __slots__ = ("call", "parts", "tools")

    def __init__(self, call: Exchange) -> None:
        self.call = call
        self.parts = call.parts
        self.tools: dict[Any, tuple[str, str, list[str]]] = {}  # block index -> (id, name, json pieces)

    def handle(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None:
        name = sse.event
        if name == "ping":
            return
        try:
            data = _loads(sse.data)
        except ValueError:
            raise self.call.bad_json(sse.data) from None
        if not isinstance(data, dict):
            raise self.call.bad_json(sse.data)
        handler = _HANDLERS.get(name) or _HANDLERS.get(data.get("type"))  # unnamed events carry a type
        if handler is not None:
            handler(self, data, out)

    def _delta(self, data: dict[str, Any], out: list[StreamEvent]) -> None:
        delta = data.get("delta") or {}
        kind = delta.get("type")
        if kind == "text_delta":
            text = answer_text(delta.get("text"))
            if text:
                self.parts.append(text)
                out.append(TokenEvent(text))
        elif kind == "input_json_delta":
            tool = self.tools.get(data.get("index"))
            if tool is not None:
                tool[2].append(delta.get("partial_json") or "")
                self.call.progressed = True  # a tool call's input is content, though no event yet
        elif kind in _PROGRESS_DELTAS and delta.get(_PROGRESS_DELTAS[kind]):
            self.call.progressed = True

    def _message_start(self, data: dict[str, Any], out: list[StreamEvent]) -> None:
        _usage(self.call.usage, (data.get("message") or {}).get("usage"))

    def _block_start(self, data: dict[str, Any], out: list[StreamEvent]) -> None:
        block = data.get("content_block") or {}
        if block.get("type") in ("tool_use", "server_tool_use"):
            self.tools[data.get("index")] = (str(block.get("id", "")), str(block.get("name", "")), [])
        elif block.get("type") == "text" and block.get("text"):
            text = answer_text(block["text"])
            self.parts.append(text)
            out.append(TokenEvent(text))
        elif block.get("type") == "redacted_thinking" and block.get("data"):
            self.call.progressed = True  # encrypted thinking arrives whole, in the block's start

    def _block_stop(self, data: dict[str, Any], out: list[StreamEvent]) -> None:
        tool = self.tools.pop(data.get("index"), None)
        if tool is None:
            return
        out.append(self.call.tool_use(tool[0], tool[1], "".join(tool[2])))

    def _message_delta(self, data: dict[str, Any], out: list[StreamEvent]) -> None:
        stop = (data.get("delta") or {}).get("stop_reason")
        if stop:
            self.call.stop_reason = stop
        _usage(self.call.usage, data.get("usage"))

    def _message_stop(self, data: dict[str, Any], out: list[StreamEvent]) -> None:
        for index in list(self.tools):  # blocks never closed (cut off): report them, incomplete
            self._block_stop({"index": index}, out)
        self.call.finished = True

    def _error(self, data: dict[str, Any], out: list[StreamEvent]) -> None:
        error = data.get("error") or {}
        raise self.call.stream_error(error.get("type"), str(error.get("message", "")))


_HANDLERS: dict[Any, Callable[[AnthropicWire, dict[str, Any], list[StreamEvent]], None]] = {
    "content_block_delta": AnthropicWire._delta,
    "message_start": AnthropicWire._message_start,
    "content_block_start": AnthropicWire._block_start,
    "content_block_stop": AnthropicWire._block_stop,
    "message_delta": AnthropicWire._message_delta,
    "message_stop": AnthropicWire._message_stop,
    "error": AnthropicWire._error,
}


class AnthropicProvider(Provider):
    """Claude through the Messages API (ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY, like the SDK)."""

    wire_name = "anthropic"

    def url(self) -> str:
        return f"{self.conf.base_url}/v1/messages"

    def request_headers(self, key: ApiKey | None) -> dict[str, str]:
        headers = {"anthropic-version": self.conf.api_version or DEFAULT_VERSION}
        if key is not None:
            headers["x-api-key"] = key.value
        return headers

    def request_body(self, request: ModelRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"model": request.model, "messages": request.messages,
                                "max_tokens": request.max_tokens, "stream": True}
        if request.system:
            body["system"] = request.system
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.stop:
            body["stop_sequences"] = request.stop
        if request.tools:
            body["tools"] = request.tools  # {name, description, input_schema} is already Anthropic's shape
        return body

    def tool_turn(self, text: str, uses: list[ToolUseEvent], results: list[ToolStep]) -> list[dict[str, Any]]:
        said: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
        said += [{"type": "tool_use", "id": u.id, "name": u.name, "input": u.input} for u in uses]
        answers = [{"type": "tool_result", "tool_use_id": r.id, "content": r.content, "is_error": r.is_error}
                   for r in results]
        return [{"role": "assistant", "content": said}, {"role": "user", "content": answers}]

    def new_wire(self, call: Exchange) -> AnthropicWire:
        return AnthropicWire(call)
