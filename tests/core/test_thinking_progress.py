"""A model that thinks for a long time streams reasoning, not answer text: on both wires and
both paths (sync httpx, async aiohttp), served verbatim by the fake model server over real
HTTP, the reasoning counts as progress (timeouts.progress does not cut it off) and never
becomes answer text."""

from __future__ import annotations

import pytest

from tests.core.test_hostile_upstream import END, run_watched, sse, tokens
from tests.core.test_stream import RUNNERS, check_contract
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.config import Settings

THOUGHT = "SECRET-THOUGHT"  # must never reach the answer text


ANTHROPIC_START = sse("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 5}}})
ANTHROPIC_ANSWER = (sse("content_block_start", {"type": "content_block_start", "index": 1,
                                                "content_block": {"type": "text", "text": ""}})
                    + sse("content_block_delta", {"type": "content_block_delta", "index": 1,
                                                  "delta": {"type": "text_delta", "text": "The answer."}})
                    + END["anthropic"].replace(b'"index": 0', b'"index": 1'))


def anthropic_thinking(steps: int) -> tuple[bytes, list[bytes]]:
    """The Messages API's extended thinking: a `thinking` block of thinking_delta pieces and a
    signature_delta, then the text block (index 1) the answer streams in."""
    head = ANTHROPIC_START + sse("content_block_start", {
        "type": "content_block_start", "index": 0,
        "content_block": {"type": "thinking", "thinking": "", "signature": ""}})
    pieces = [sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                          "delta": {"type": "thinking_delta", "thinking": f"{THOUGHT} {n}. "}})
              for n in range(steps)]
    pieces.append(sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                                              "delta": {"type": "signature_delta", "signature": "EqQBCgIYAh" * 8}}))
    stop = sse("content_block_stop", {"type": "content_block_stop", "index": 0})
    return head, [*pieces, stop + ANTHROPIC_ANSWER]


def anthropic_redacted(steps: int) -> tuple[bytes, list[bytes]]:
    """Thinking the safety systems encrypted: each redacted_thinking block arrives whole, in its start."""
    blocks = [sse("content_block_start", {"type": "content_block_start", "index": 0,
                                          "content_block": {"type": "redacted_thinking", "data": f"{THOUGHT}{n}"}})
              + sse("content_block_stop", {"type": "content_block_stop", "index": 0}) for n in range(steps)]
    return ANTHROPIC_START, [*blocks, ANTHROPIC_ANSWER]


def openai_reasoning(field: str, steps: int) -> tuple[bytes, list[bytes]]:
    """OpenAI-compatible reasoning models: DeepSeek and vLLM stream `reasoning_content`,
    Ollama, LM Studio and OpenRouter `reasoning`, before any `content`."""
    pieces = [sse(None, {"choices": [{"index": 0, "delta": {"content": None, field: f"{THOUGHT} {n}. "},
                                      "finish_reason": None}]}) for n in range(steps)]
    text = sse(None, {"choices": [{"index": 0, "delta": {"content": "The answer."}, "finish_reason": None}]})
    return b"", [*pieces, text + END["openai"]]


STREAMS = {"anthropic thinking": ("anthropic", lambda n: anthropic_thinking(n)),
           "anthropic redacted_thinking": ("anthropic", lambda n: anthropic_redacted(n)),
           "openai reasoning_content": ("openai", lambda n: openai_reasoning("reasoning_content", n)),
           "openai reasoning": ("openai", lambda n: openai_reasoning("reasoning", n))}


def thinking_reply(stream: str, *, steps: int, delay: float) -> tuple[str, Reply]:
    """Each piece in its own write, `delay` s apart: each gap under the bound, together far past it."""
    wire, build = STREAMS[stream]
    head, pieces = build(steps)
    size = max(len(p) for p in [head, *pieces])
    body = head.ljust(size, b"\n") if head else b""  # blank lines between events are no content
    body += b"".join(p + b"\n" * (size - len(p)) for p in pieces)
    return wire, Reply(raw=body, raw_chunk=size, raw_delay=delay)


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("stream", STREAMS)
def test_a_long_think_is_progress_not_keep_alives(fake_model: FakeModelServer, settings: Settings, stream: str,
                                                  mode: str) -> None:
    """Before: reasoning deltas were dropped like keep-alives, so a think longer than
    timeouts.progress ended as 'sent no answer content for 0.6 s ... only keep-alives'."""
    settings.timeouts.progress = 0.6
    wire, reply = thinking_reply(stream, steps=6, delay=0.3)  # 1.8 s of thinking
    fake_model.enqueue(reply)
    events = run_watched(settings, wire, mode)
    final = check_contract(events)
    assert final.type == "complete", final
    assert final.text == "The answer." == tokens(events)
    assert THOUGHT not in repr(events)


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("stream", STREAMS)
def test_a_think_that_stops_still_times_out(fake_model: FakeModelServer, settings: Settings, stream: str,
                                            mode: str) -> None:
    """Reasoning resets the bound, it does not switch it off: keep-alives after it still end the answer."""
    from tests.core.test_progress_timeout import COMMENT, PING

    settings.timeouts.idle, settings.timeouts.progress = 5.0, 0.8
    wire, build = STREAMS[stream]
    head, pieces = build(2)
    fake_model.enqueue(Reply(raw=head + b"".join(pieces[:-1]), raw_forever=(PING if wire == "anthropic" else COMMENT) * 20))
    final = check_contract(run_watched(settings, wire, mode))
    assert final.type == "error" and final.kind == "timeout", final
    assert "timeouts.progress" in final.message and final.partial_text == ""
