"""Streams recorded from the real APIs (the official SDKs' own test data, see data/recorded/)
read exactly as the official SDKs read them: final text, stop reason, usage, tool calls.

Each stream is served verbatim by the fake model server over real HTTP, once to our
provider and once to the SDK (the SDK is the test oracle, never in the runtime path).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.config import load_settings
from vibing2_lab.providers import ModelRequest, get_provider

RECORDED = Path(__file__).parent / "data" / "recorded"
PROMPT = [{"role": "user", "content": "What's the weather like in Paris?"}]


def _ours(fake: FakeModelServer, wire: str, name: str, chunk: int) -> dict[str, Any]:
    # A pause between small chunks: each goes out in its own write (else they leave as one).
    fake.enqueue(Reply(raw=(RECORDED / f"{name}.sse").read_bytes(), raw_chunk=chunk,
                       raw_delay=0.0002 if chunk < 100 else 0.0))
    events = list(get_provider(wire, settings=load_settings()).stream(ModelRequest(model="m", messages=PROMPT)))
    final = events[-1]
    assert final.type == "complete", final
    tokens = "".join(e.text for e in events if e.type == "token")
    assert tokens == final.text  # what streamed is what completed
    u = final.usage
    return {"text": final.text, "stop_reason": final.stop_reason,
            "usage": (u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens),
            "tools": [(e.name, e.input) for e in events if e.type == "tool_use"]}


def _anthropic_sdk(fake: FakeModelServer, name: str) -> dict[str, Any]:
    import anthropic

    fake.enqueue(Reply(raw=(RECORDED / f"{name}.sse").read_bytes()))
    client = anthropic.Anthropic(base_url=fake.url, api_key="sk-ant-fake-test-key", max_retries=0)
    with client.messages.stream(model="m", max_tokens=100, messages=PROMPT) as stream:  # type: ignore[arg-type]
        message = stream.get_final_message()
    u = message.usage
    return {"text": "".join(b.text for b in message.content if b.type == "text"),
            "stop_reason": message.stop_reason,
            "usage": (u.input_tokens, u.output_tokens, u.cache_read_input_tokens or 0,
                      u.cache_creation_input_tokens or 0),
            "tools": [(b.name, b.input) for b in message.content if b.type == "tool_use"]}


def _openai_sdk(fake: FakeModelServer, name: str) -> dict[str, Any]:
    import openai

    fake.enqueue(Reply(raw=(RECORDED / f"{name}.sse").read_bytes()))
    client = openai.OpenAI(base_url=fake.openai_url, api_key="sk-fake-test-key", max_retries=0)
    with client.chat.completions.stream(model="m", messages=PROMPT) as stream:  # type: ignore[arg-type]
        completion = stream.get_final_completion()
    choice, u = completion.choices[0], completion.usage
    message = choice.message
    # Our one vocabulary of stop reasons (Anthropic's), and a refusal is the answer's text.
    stop = "refusal" if message.refusal else {"stop": "end_turn", "length": "max_tokens",
                                              "tool_calls": "tool_use"}[choice.finish_reason]
    cached = (u.prompt_tokens_details.cached_tokens or 0) if u and u.prompt_tokens_details else 0
    return {"text": message.content or message.refusal or "", "stop_reason": stop,
            "usage": (u.prompt_tokens, u.completion_tokens, cached, 0) if u else (0, 0, 0, 0),
            "tools": [(t.function.name, json.loads(t.function.arguments)) for t in message.tool_calls or ()]}


@pytest.mark.parametrize("chunk", [7, 4096])  # split anywhere, or the whole body at once
@pytest.mark.parametrize("wire, name", [
    ("anthropic", "anthropic_basic"), ("anthropic", "anthropic_refusal"), ("anthropic", "anthropic_tool_use"),
    ("openai", "openai_text"), ("openai", "openai_refusal"), ("openai", "openai_tool_use"),
])
def test_recorded_stream_reads_as_the_sdk_reads_it(fake_model: FakeModelServer, wire: str, name: str,
                                                   chunk: int) -> None:
    sdk = (_anthropic_sdk if wire == "anthropic" else _openai_sdk)(fake_model, name)
    assert _ours(fake_model, wire, name, chunk) == sdk


def test_recorded_streams_cover_text_refusal_and_tools(fake_model: FakeModelServer) -> None:
    # The oracle comparison above means something only if the streams hold what they claim.
    basic = _anthropic_sdk(fake_model, "anthropic_basic")
    assert basic["text"] == "Hello there!" and basic["stop_reason"] == "end_turn"
    assert _anthropic_sdk(fake_model, "anthropic_refusal")["stop_reason"] == "refusal"
    assert _anthropic_sdk(fake_model, "anthropic_tool_use")["tools"] == [("get_weather", {"location": "Paris"})]
    assert "sorry" in _openai_sdk(fake_model, "openai_refusal")["text"]
    assert _openai_sdk(fake_model, "openai_tool_use")["tools"][0][0] == "get_weather"


def test_final_event_without_blank_line_completes(fake_model: FakeModelServer) -> None:
    """The Anthropic stream's last `message_stop` has no blank line after it: still complete."""
    raw = (RECORDED / "anthropic_basic.sse").read_bytes()
    assert raw.endswith(b'data: {"type":"message_stop"}')
    assert _ours(fake_model, "anthropic", "anthropic_basic", 4096)["text"] == "Hello there!"


def test_truncated_pending_event_is_still_an_error(fake_model: FakeModelServer) -> None:
    """Only a complete event is dispatched at the end: a cut-off JSON is a protocol error."""
    raw = (RECORDED / "anthropic_basic.sse").read_bytes()
    cut = raw[: raw.rindex(b"event: message_delta")] + b'event: message_delta\ndata: {"type":"message_de'
    fake_model.enqueue(Reply(raw=cut))
    final = list(get_provider("anthropic", settings=load_settings()).stream(ModelRequest(model="m", messages=PROMPT)))[-1]
    assert final.type == "error" and final.kind == "protocol" and final.partial_text == "Hello there!"
