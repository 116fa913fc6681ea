"""Fill-in-the-middle over the OpenAI-compatible text completions route: POST {base}/completions.

Ollama, vLLM, LM Studio and llama.cpp serve it for code models (qwen2.5-coder, codellama,
deepseek-coder, starcoder, codestral, ...): the body carries `prompt` (the text before the
cursor) and `suffix` (the text after it), and the model answers with the middle. The stream
is the chat wire's, except each choice carries `text` instead of `delta.content`, so the
chat wire reads it once the choice is reshaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .base import ModelRequest
from .openai_compat import OpenAIProvider, OpenAIWire

if TYPE_CHECKING:
    from ..events import StreamEvent
    from ._exchange import Exchange


@dataclass
class FillRequest(ModelRequest):
    """A ModelRequest whose last user message is the prompt before the cursor, plus a suffix."""

    suffix: str = ""


class FillWire(OpenAIWire):
    """Text-completion chunks (`choices[].text`) → StreamEvents, through the chat wire."""

    __slots__ = ()

    def _choice(self, choice: dict[str, Any], out: list[StreamEvent]) -> None:
        super()._choice({**choice, "delta": {"content": choice.get("text")}}, out)


class OpenAIFillProvider(OpenAIProvider):
    """FIM through `{base_url}/completions` of an OpenAI-compatible server."""

    def url(self) -> str:
        return f"{self.conf.base_url}/completions"

    def request_body(self, request: ModelRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"model": request.model, "prompt": request.messages[-1]["content"],
                                "suffix": getattr(request, "suffix", ""), "stream": True,
                                "max_tokens": request.max_tokens, "stream_options": {"include_usage": True}}
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.stop:
            body["stop"] = request.stop
        return body

    def new_wire(self, call: Exchange) -> FillWire:
        return FillWire(call)
