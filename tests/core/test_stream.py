"""Happy paths against the fake server: exact text, both wire formats, sync and async."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.core.conftest import ask
from tests.fakes.model_server import FakeModelServer, Reply, split_tokens
from vibing2_lab.config import Settings
from vibing2_lab.events import CompleteEvent, ErrorEvent, StreamEvent, TokenEvent, ToolUseEvent
from vibing2_lab.providers import ModelRequest, get_provider

ASCII = "The quick brown fox jumps over the lazy dog, 42 times."
MULTI = "Héllo wörld — 你好，世界! 🎉🧪 Ωmega ∑ café"
WIRES = ["anthropic", "openai"]


def run_sync(settings: Settings, wire: str, request: ModelRequest) -> list[StreamEvent]:
    return list(get_provider(wire, settings=settings).stream(request))


def run_async(settings: Settings, wire: str, request: ModelRequest) -> list[StreamEvent]:
    async def collect() -> list[StreamEvent]:
        return [event async for event in get_provider(wire, settings=settings).astream(request)]

    return asyncio.run(collect())


RUNNERS = {"sync": run_sync, "async": run_async}


def check_contract(events: list[StreamEvent]) -> Any:
    """Zero or more token/tool_use events, then exactly one complete or error event; returns it."""
    *body, final = events
    assert all(isinstance(e, (TokenEvent, ToolUseEvent)) for e in body)
    assert isinstance(final, (CompleteEvent, ErrorEvent))
    return final


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("text", [ASCII, MULTI], ids=["ascii", "multibyte"])
def test_exact_text(fake_model: FakeModelServer, settings: Settings, wire: str, mode: str, text: str) -> None:
    fake_model.enqueue(Reply(text=text, input_tokens=9))
    events = RUNNERS[mode](settings, wire, ask())
    final = check_contract(events)
    tokens = [e.text for e in events if isinstance(e, TokenEvent)]
    assert tokens == split_tokens(text)
    assert isinstance(final, CompleteEvent) and final.text == text
    assert (final.provider, final.model, final.status) == (wire, "fake-model", "complete")
    assert final.usage.input_tokens == 9 and final.usage.output_tokens == len(tokens)
    assert final.stop_reason == "end_turn"
    assert final.request_id and final.request_id.startswith("req_fake_")
    assert final.timings.ttft is not None and 0 <= final.timings.ttft <= final.timings.duration


def test_anthropic_request_shape(fake_model: FakeModelServer, settings: Settings) -> None:
    request = ask("hello", system="Be brief.", max_tokens=77, temperature=0.3, stop=["END"])
    run_sync(settings, "anthropic", request)
    sent = fake_model.requests[-1]
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == "sk-ant-fake-test-key"
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.headers["content-type"] == "application/json"
    assert sent.body == {"model": "fake-model", "messages": [{"role": "user", "content": "hello"}],
                         "max_tokens": 77, "stream": True, "system": "Be brief.", "temperature": 0.3,
                         "stop_sequences": ["END"]}


def test_openai_request_shape(fake_model: FakeModelServer, settings: Settings) -> None:
    run_sync(settings, "openai", ask("hello", system="Be brief.", max_tokens=77))
    sent = fake_model.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-fake-test-key"
    assert sent.body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}]
    assert sent.body["stream"] is True and sent.body["stream_options"] == {"include_usage": True}
    assert sent.body["max_tokens"] == 77 and "temperature" not in sent.body


def test_openai_without_a_key_sends_no_authorization(fake_model: FakeModelServer, settings: Settings,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")  # a local Ollama needs none
    final = check_contract(run_sync(settings, "openai", ask()))
    assert isinstance(final, CompleteEvent)
    assert "authorization" not in fake_model.requests[-1].headers


@pytest.mark.parametrize("wire", WIRES)
def test_tool_use_events(fake_model: FakeModelServer, settings: Settings, wire: str) -> None:
    fake_model.enqueue(Reply(text="Let me check.", tool_uses=[{"name": "search", "input": {"q": "ü", "n": 3}},
                                                             {"name": "noop", "input": {}}]))
    events = run_sync(settings, wire, ask())
    final = check_contract(events)
    tools = [e for e in events if isinstance(e, ToolUseEvent)]
    assert [(t.name, t.input) for t in tools] == [("search", {"q": "ü", "n": 3}), ("noop", {})]
    assert all(t.id for t in tools)
    assert isinstance(final, CompleteEvent) and final.text == "Let me check." and final.stop_reason == "tool_use"


def test_openai_usage_absent_when_not_sent(fake_model: FakeModelServer, settings: Settings) -> None:
    # A server that ignores stream_options sends no usage chunk: usage stays 0, the answer completes.
    fake_model.respond = lambda req: (req.body.pop("stream_options", None), Reply(text="ok"))[1]
    final = check_contract(run_sync(settings, "openai", ask()))
    assert isinstance(final, CompleteEvent) and final.text == "ok" and final.usage.output_tokens == 0


def test_connection_is_reused_between_calls(fake_model: FakeModelServer, settings: Settings) -> None:
    # The body is read to its end after the final event, so the pooled connection is reused.
    for _ in range(3):
        assert isinstance(run_sync(settings, "anthropic", ask())[-1], CompleteEvent)
    from vibing2_lab.providers._net import sync_client

    pool = sync_client(settings.timeouts)._transport._pool  # type: ignore[attr-defined]
    assert len([c for c in pool.connections if c.is_idle()]) >= 1
