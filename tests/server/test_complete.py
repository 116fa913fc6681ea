"""POST/GET complete through a real Jupyter server and the fake model server: both wire
formats and FIM, the trimming table end to end, limits, cancellation, the cache, no key."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.completion.answers import CASES, Case
from tests.conftest import PLANTED_KEY
from tests.fakes.model_server import FakeModelServer, Reply
from tests.server.conftest import Api, PREFIX, sse
from tests.server.test_stream_cancel import eventually, live_stream
from vibing2_lab.completion.context import MAX_BODY_BYTES

BODY = {"prefix": "def fib(", "suffix": "", "language": "python",
        "cells": [{"source": "import math", "output": ""}, {"source": "x = 41 + 1", "output": "42"}]}


def use_model(config: Path, spec: str, extra: str = "") -> None:
    config.write_text(config.read_text() + f"completion: {{model: '{spec}'{extra}}}\n", encoding="utf-8")


def done_of(events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    assert events[-1][0] == "done" and [k for k, _ in events].count("done") == 1
    return events[-1][1]


def shown(events: list[tuple[str, dict[str, Any]]]) -> str:
    return "".join(d["text"] for k, d in events if k == "token")


async def test_anthropic_wire_streams_the_continuation(api: Api, fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)"))
    answer = await api("POST", "complete", BODY)
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/event-stream")
    events = sse(answer.body)
    assert events[0] == ("start", {"model": "anthropic:claude-haiku-4-5", "fill": False, "max_lines": 8})
    final = done_of(events)
    assert final["status"] == "complete" and final["cached"] is False
    assert shown(events) == final["text"] == "n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)"
    [request] = fake_model.requests
    assert request.wire == "anthropic" and request.body["model"] == "claude-haiku-4-5"  # the fast tier
    content = request.body["messages"][-1]["content"]
    assert "def fib(<CURSOR>" in content and "x = 41 + 1" in content and "42" in content
    assert "only" in request.body["system"] and request.body["temperature"] == 0.0


async def test_openai_chat_wire(api: Api, fake_model: FakeModelServer, fast_config: Path) -> None:
    use_model(fast_config, "openai:gpt-4o-mini")
    fake_model.enqueue(Reply(text="```python\nn):\n    return n\n```"))
    events = sse((await api("POST", "complete", BODY)).body)
    assert done_of(events)["text"] == shown(events) == "n):\n    return n"
    [request] = fake_model.requests
    assert request.wire == "openai" and request.path == "/v1/chat/completions"
    assert request.body["messages"][0]["role"] == "system"


async def test_fill_in_the_middle_for_a_code_model(api: Api, fake_model: FakeModelServer,
                                                   fast_config: Path) -> None:
    use_model(fast_config, "openai:qwen2.5-coder:1.5b")
    fake_model.enqueue(Reply(text="n", tokens=["n", "):", "\n    return n"]))
    body = {**BODY, "suffix": "\n\nprint(fib(10))"}
    events = sse((await api("POST", "complete", body)).body)
    assert events[0][1]["fill"] is True
    assert [d["text"] for k, d in events if k == "token"] == ["n", "):", "\n    return n"]
    [request] = fake_model.requests
    assert request.wire == "fim" and request.path == "/v1/completions"
    assert request.body["prompt"] == "import math\n\nx = 41 + 1\n# 42\n\ndef fib("
    assert request.body["suffix"] == "\n\nprint(fib(10))" and "messages" not in request.body


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_trimming_table_end_to_end(api: Api, fake_model: FakeModelServer, case: Case) -> None:
    fake_model.enqueue(Reply(text=case.answer))
    body = {"prefix": case.prefix, "suffix": case.suffix, "language": case.language}
    events = sse((await api("POST", "complete", body)).body)
    assert done_of(events)["text"] == case.expected
    assert case.expected.startswith(shown(events))  # nothing streamed that trimming later removed


async def test_size_limits(api: Api, fake_model: FakeModelServer) -> None:
    big = await api("POST", "complete", raw=json.dumps({"prefix": "x" * (MAX_BODY_BYTES + 10)}).encode())
    assert big.status == 413 and big.error["kind"] == "too_large" and big.error["hint"]
    long_prefix = await api("POST", "complete", {"prefix": "x" * 70_000})
    assert long_prefix.status == 400 and "'prefix'" in long_prefix.error["message"]
    many = await api("POST", "complete", {"prefix": "", "cells": [{"source": ""}] * 600})
    assert many.status == 400 and "'cells'" in many.error["message"]
    unknown = await api("POST", "complete", {"prefix": "", "temperature": 2})
    assert unknown.status == 400 and "'temperature'" in unknown.error["message"]
    assert fake_model.requests == []


async def test_a_big_notebook_is_cut_to_the_budget(api: Api, fake_model: FakeModelServer) -> None:
    cells = [{"source": f"c{n} = " + "1" * 2000, "output": "o" * 1000} for n in range(60)]
    fake_model.enqueue(Reply(text="x"))
    events = sse((await api("POST", "complete", {"prefix": "y = ", "cells": cells})).body)
    assert done_of(events)["text"] == "x"
    content = fake_model.requests[0].body["messages"][-1]["content"]
    assert "c59 = " in content and "c0 = " not in content and len(content) < 20_000


async def test_the_client_leaving_cancels_upstream(api: Api, fake_model: FakeModelServer, stream_url: str,
                                                   auth_headers: dict[str, str]) -> None:
    fake_model.enqueue(Reply(text=" ".join(f"w{i}" for i in range(80)), delay=0.05))
    url = stream_url.rsplit("/", 1)[0] + "/complete"
    async with live_stream(url, auth_headers, {"prefix": "s = '"}) as events:
        await events.until(lambda seen: sum(k == "token" for k, _ in seen) >= 2)
    assert await eventually(lambda: fake_model.client_gone == 1), "the fake model never saw the client leave"
    status = await eventually_status(api, lambda c: c["cancelled"] == 1)
    assert status["counters"] == {**status["counters"], "started": 1, "cancelled": 1, "completed": 0}


async def eventually_status(api: Api, check: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        status = (await api("GET", "complete")).json
        if check(status["counters"]) or time.monotonic() > deadline:
            return status
        await asyncio.sleep(0.05)


async def test_a_long_answer_stops_upstream_at_max_lines(api: Api, fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(tokens=[f"x{i} = {i}\n" for i in range(200)], delay=0.01))
    events = sse((await api("POST", "complete", {"prefix": "", "max_lines": 3})).body)
    assert done_of(events)["text"] == "x0 = 0\nx1 = 1\nx2 = 2"
    assert await eventually(lambda: fake_model.client_gone == 1)


async def test_the_same_context_is_answered_from_the_cache(api: Api, fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="n):\n    return n"))
    first = done_of(sse((await api("POST", "complete", BODY)).body))
    again = sse((await api("POST", "complete", BODY)).body)
    typed = sse((await api("POST", "complete", {**BODY, "prefix": "def fib(n)"})).body)
    assert first["cached"] is False and done_of(again)["cached"] is True and shown(again) == first["text"]
    assert done_of(typed) == {**done_of(typed), "text": ":\n    return n", "cached": True}
    assert len(fake_model.requests) == 1
    assert (await api("GET", "complete")).json["counters"] == {"started": 1, "cached": 2, "completed": 1,
                                                               "cancelled": 0, "errors": 0}


async def test_status_says_why_there_is_no_completion(api: Api, fake_model: FakeModelServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ready = (await api("GET", "complete")).json
    assert ready["available"] is True and ready["model"] == "anthropic:claude-haiku-4-5"
    assert (ready["debounce_ms"], ready["max_lines"]) == (250, 8)
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    missing = (await api("GET", "complete")).json
    assert missing["available"] is False and missing["reason"] == "No API key for anthropic."
    assert "ANTHROPIC_API_KEY" in missing["hint"]
    events = sse((await api("POST", "complete", BODY)).body)  # no dialog-worthy failure: a quiet end
    assert done_of(events)["status"] == "error" and done_of(events)["kind"] == "key_missing"
    assert fake_model.requests == []


async def test_an_unreachable_model_ends_quietly_without_the_key(api: Api, fake_model: FakeModelServer,
                                                                 fast_config: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", PLANTED_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    answer = await api("POST", "complete", BODY)
    final = done_of(sse(answer.body))
    assert final["status"] == "error" and final["kind"] == "connect"
    assert PLANTED_KEY.encode() not in answer.body


async def test_an_unknown_completion_model_is_a_400(api: Api, fast_config: Path) -> None:
    use_model(fast_config, "nowhere:model")
    answer = await api("POST", "complete", BODY)
    assert answer.status == 400 and answer.error["kind"] == "config" and "nowhere" in answer.error["message"]


async def test_anonymous_requests_never_reach_the_model(jp_fetch: Any, fake_model: FakeModelServer) -> None:
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(PREFIX, "complete", method="POST", body=json.dumps(BODY), headers={"Authorization": ""})
    assert info.value.code == 403 and fake_model.requests == []


async def test_allowed_models_apply_to_completions(api: Api, fake_model: FakeModelServer, jp_serverapp: Any) -> None:
    extension = jp_serverapp.extension_manager.extension_apps["vibing2_lab"]
    app = next(iter(extension)) if isinstance(extension, set) else extension
    app.allowed_models = ["openai:*"]
    refused = await api("POST", "complete", BODY)
    assert refused.status == 400 and "not allowed" in refused.error["message"] and fake_model.requests == []
    allowed = await api("POST", "complete", {**BODY, "model": "openai:gpt-4o-mini"})
    assert allowed.status == 200 and fake_model.requests[0].wire == "openai"


async def test_completions_beyond_the_limit_are_429(api: Api, fake_model: FakeModelServer, jp_serverapp: Any,
                                                   stream_url: str, auth_headers: dict[str, str]) -> None:
    extension = jp_serverapp.extension_manager.extension_apps["vibing2_lab"]
    app = next(iter(extension)) if isinstance(extension, set) else extension
    app.max_concurrent_streams = 1
    fake_model.enqueue(Reply(text="a b c d e f g", delay=0.2))
    url = stream_url.rsplit("/", 1)[0] + "/complete"
    async with live_stream(url, auth_headers, {"prefix": "x = "}) as events:
        await events.until(lambda seen: bool(seen))
        busy = await api("POST", "complete", {"prefix": "y = "})
        assert busy.status == 429 and busy.error["kind"] == "busy" and busy.error["hint"]
    assert await eventually(lambda: app.completions_live == 0)
    assert (await api("POST", "complete", {"prefix": "y = "})).status == 200
