"""The test harness itself: the fake model server speaks both wire formats and injects faults."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fakes.model_server import Reply, split_tokens


def _sse_events(raw: str) -> list[tuple[str | None, str]]:
    events = []
    for block in raw.strip().split("\n\n"):
        name, data = None, []
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        events.append((name, "\n".join(data)))
    return events


def test_split_tokens_round_trips_text() -> None:
    text = "Hello, wörld! 你好 🎉 a_b  c\nd"
    assert "".join(split_tokens(text)) == text
    assert len(split_tokens(text)) > 5


def test_anthropic_stream_has_the_documented_event_sequence(fake_model) -> None:
    fake_model.enqueue(Reply(text="Héllo 世界 🎉", input_tokens=7))
    r = httpx.post(f"{fake_model.url}/v1/messages", json={"model": "m", "stream": True, "messages": []})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["request-id"].startswith("req_")
    events = _sse_events(r.text)
    names = [e for e, _ in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    text = "".join(json.loads(d)["delta"]["text"] for e, d in events if e == "content_block_delta")
    assert text == "Héllo 世界 🎉"
    delta = json.loads(next(d for e, d in events if e == "message_delta"))
    assert delta["usage"]["output_tokens"] == len(split_tokens("Héllo 世界 🎉"))
    assert json.loads(events[0][1])["message"]["usage"]["input_tokens"] == 7
    assert fake_model.requests[0].wire == "anthropic"


def test_openai_stream_ends_with_done_and_usage(fake_model) -> None:
    fake_model.enqueue(Reply(text="one two three", input_tokens=3))
    body = {"model": "m", "stream": True, "messages": [], "stream_options": {"include_usage": True}}
    r = httpx.post(f"{fake_model.openai_url}/chat/completions", json=body)
    events = _sse_events(r.text)
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(d) for _, d in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "one two three"
    assert chunks[-1]["usage"] == {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6}


@pytest.mark.parametrize("status", [401, 429, 500, 529])
def test_http_faults_carry_status_headers_and_error_body(fake_model, status: int) -> None:
    fake_model.enqueue(Reply(fault="http", status=status, headers={"retry-after": "2"}))
    r = httpx.post(f"{fake_model.url}/v1/messages", json={"stream": True})
    assert r.status_code == status
    assert r.headers["retry-after"] == "2"
    assert r.json()["type"] == "error"


def test_error_event_mid_stream(fake_model) -> None:
    fake_model.enqueue(Reply(text="a b c d", fault="error_event", after=2))
    events = _sse_events(httpx.post(f"{fake_model.url}/v1/messages", json={"stream": True}).text)
    assert [e for e, _ in events].count("content_block_delta") == 2
    assert events[-1][0] == "error"
    assert json.loads(events[-1][1])["error"]["type"] == "overloaded_error"


def test_drop_closes_the_connection_after_n_tokens(fake_model) -> None:
    fake_model.enqueue(Reply(text="a b c d e", fault="drop", after=3))
    received = b""
    with pytest.raises(httpx.RemoteProtocolError):
        with httpx.stream("POST", f"{fake_model.url}/v1/messages", json={"stream": True}) as r:
            for chunk in r.iter_bytes():
                received += chunk
    assert received.count(b"content_block_delta") == 3 * 2  # event line + type field


def test_stall_sends_nothing_more(fake_model) -> None:
    fake_model.enqueue(Reply(text="a b c", fault="stall", after=1))
    with pytest.raises(httpx.ReadTimeout):
        with httpx.stream("POST", f"{fake_model.url}/v1/messages", json={"stream": True},
                          timeout=httpx.Timeout(5, read=0.5)) as r:
            for _ in r.iter_bytes():
                pass


def test_malformed_line(fake_model) -> None:
    fake_model.enqueue(Reply(text="a b", fault="malformed", after=1))
    raw = httpx.post(f"{fake_model.url}/v1/messages", json={"stream": True}).text
    assert "data: {not json" in raw


def test_requests_are_recorded_and_respond_hook_scripts_by_request(fake_model) -> None:
    fake_model.respond = lambda req: Reply(text=f"echo {req.body['messages'][-1]['content']}")
    body = {"model": "m", "stream": False, "messages": [{"role": "user", "content": "ping"}]}
    r = httpx.post(f"{fake_model.url}/v1/messages", json=body, headers={"x-api-key": "sk-ant-fake"})
    assert r.json()["content"][0]["text"] == "echo ping"
    assert fake_model.requests[-1].headers["x-api-key"] == "sk-ant-fake"


def test_delay_per_token_paces_the_stream(fake_model) -> None:
    import time

    fake_model.enqueue(Reply(text="a b c d e", delay=0.05))
    arrivals = []
    with httpx.stream("POST", f"{fake_model.url}/v1/messages", json={"stream": True}) as r:
        for _ in r.iter_bytes():
            arrivals.append(time.monotonic())
    assert len(arrivals) >= 5
    assert arrivals[-1] - arrivals[0] >= 0.15
