"""OpenAI-compatible chat completions (OpenAI, Ollama, LM Studio, vLLM): POST {base}/chat/completions.

Stream: `data:` chunks with choices[0].delta.content or .refusal (→ TokenEvent) and tool_calls pieces
(accumulated per index, → ToolUseEvent once the next call begins or finish_reason arrives), a usage chunk when
`stream_options.include_usage` is honoured, then `data: [DONE]`. Reasoning deltas
(`reasoning_content`: DeepSeek, vLLM; `reasoning`: Ollama, LM Studio, OpenRouter) are never answer
text, but they are progress: a long think is not a stalled stream. An `{"error": ...}`
chunk ends the stream with its type. Stop reasons are given Anthropic's names
(stop → end_turn, length → max_tokens, tool_calls → tool_use; a streamed refusal → refusal)
so callers see one vocabulary.
A key is optional: local servers get no Authorization header when none is found.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from ..events import StreamEvent, TokenEvent, ToolUseEvent
from .sse import ServerSentEvent
from ._values import answer_text, count
from .base import ModelRequest, Provider

_loads = json.JSONDecoder().decode  # json.loads minus its per-call argument handling

if TYPE_CHECKING:
    from ..keys import ApiKey
    from ..tools import ToolStep
    from ._exchange import Exchange

_REASONING_FIELDS = ("reasoning_content", "reasoning", "reasoning_details")
_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use",
                 "function_call": "tool_use", "content_filter": "refusal"}


class OpenAIWire:
    """Chat-completion chunks → StreamEvents (state: tool calls being assembled)."""

    __slots__ = ("call", "parts", "tools", "refused")

    def __init__(self, call: Exchange) -> None:
        self.call = call
        self.parts = call.parts
        self.tools: dict[int, list[Any]] = {}  # index -> [id, name, [argument pieces]]
        self.refused = False

    def handle(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None:
        data = sse.data
        if data == "[DONE]":
            self._emit_tools(out)
            self.call.finished = True
            return
        try:
            chunk = _loads(data)
        except ValueError:
            raise self.call.bad_json(data) from None
        if not isinstance(chunk, dict):
            raise self.call.bad_json(data)
        if chunk.get("error"):
            error = chunk["error"]
            error = error if isinstance(error, dict) else {"message": str(error)}
            raise self.call.stream_error(error.get("type") or error.get("code"), str(error.get("message", "")))
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) == 0:
                self._choice(choice, out)
        usage = chunk.get("usage")
        if usage:
            self._usage(usage)

    def _choice(self, choice: dict[str, Any], out: list[StreamEvent]) -> None:
        delta = choice.get("delta") or {}
        text = answer_text(delta.get("content"))
        if text:
            self.parts.append(text)
            out.append(TokenEvent(text))
        refusal = delta.get("refusal")  # OpenAI streams a refusal in its own field
        refusal = answer_text(refusal) if isinstance(refusal, str) else None
        if refusal:
            self.refused = True
            self.parts.append(refusal)
            out.append(TokenEvent(refusal))
        if any(delta.get(name) for name in _REASONING_FIELDS):
            self.call.progressed = True  # so timeouts.progress does not end a long think
        for piece in delta.get("tool_calls") or ():
            index = piece.get("index", 0)
            if index not in self.tools and self.tools:  # the next call began: the ones before are complete
                self._emit_tools(out, before=index)
            tool = self.tools.setdefault(index, ["", "", []])
            function = piece.get("function") or {}
            tool[0] = piece.get("id") or tool[0]
            tool[1] = function.get("name") or tool[1]
            tool[2].append(function.get("arguments") or "")
            self.call.progressed = True  # a tool call's input is content, though no event yet
        reason = choice.get("finish_reason")
        if reason:
            self.call.stop_reason = "refusal" if self.refused else _STOP_REASONS.get(reason, reason)
            self.call.complete_at_eof = True  # some servers end the body without [DONE]
            self._emit_tools(out)

    def _emit_tools(self, out: list[StreamEvent], *, before: Any = None) -> None:
        """ToolUseEvents for the assembled calls (all, or those with an index below `before`)."""
        for index in sorted(i for i in self.tools if before is None or i < before):
            tid, name, pieces = self.tools.pop(index)
            # Some compatible servers (older Ollama) send no id; the result must name the call.
            out.append(self.call.tool_use(tid or f"call_{uuid.uuid4().hex[:16]}", name, "".join(pieces)))

    def _usage(self, usage: Any) -> None:
        if not isinstance(usage, dict):
            return
        u = self.call.usage
        # A value that is not a token count (a string, a float, 10**40) is ignored, not trusted.
        u.input_tokens = count(usage.get("prompt_tokens")) or u.input_tokens
        u.output_tokens = count(usage.get("completion_tokens")) or u.output_tokens
        details = usage.get("prompt_tokens_details")
        cached = count(details.get("cached_tokens")) if isinstance(details, dict) else None
        if cached:
            u.cache_read_tokens = cached


class OpenAIProvider(Provider):
    """Any OpenAI-compatible chat completions endpoint (OPENAI_BASE_URL / OPENAI_API_KEY)."""

    wire_name = "openai"
    key_required = False

    def url(self) -> str:
        return f"{self.conf.base_url}/chat/completions"

    def request_headers(self, key: ApiKey | None) -> dict[str, str]:
        return {"authorization": f"Bearer {key.value}"} if key is not None else {}

    def request_body(self, request: ModelRequest) -> dict[str, Any]:
        messages = ([{"role": "system", "content": request.system}] if request.system else []) + list(request.messages)
        body: dict[str, Any] = {"model": request.model, "messages": messages, "stream": True,
                                "stream_options": {"include_usage": True}}
        # OpenAI's own API replaced max_tokens (its newer models refuse it); compatible
        # servers (Ollama, vLLM, LM Studio) still read max_tokens.
        body["max_completion_tokens" if "api.openai.com" in self.conf.base_url else "max_tokens"] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.stop:
            body["stop"] = request.stop
        if request.tools:
            body["tools"] = [{"type": "function", "function": {"name": t["name"], "description": t["description"],
                                                               "parameters": t["input_schema"]}}
                             for t in request.tools]
        return body

    def tool_turn(self, text: str, uses: list[ToolUseEvent], results: list[ToolStep]) -> list[dict[str, Any]]:
        calls = [{"id": u.id, "type": "function",
                  "function": {"name": u.name, "arguments": json.dumps(u.input, ensure_ascii=False)}} for u in uses]
        said = {"role": "assistant", "content": text or None, "tool_calls": calls}
        return [said, *({"role": "tool", "tool_call_id": r.id, "content": r.content} for r in results)]

    def new_wire(self, call: Exchange) -> OpenAIWire:
        return OpenAIWire(call)
