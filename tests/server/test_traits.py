"""c.Vibing2Lab traits on top of config.yaml: default model, prompt size, allowed models, stream limit."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from tests.server.conftest import Api, sse
from vibing2_lab.store import Store


@pytest.fixture
def jp_server_config() -> dict:
    return {"ServerApp": {"jpserver_extensions": {"vibing2_lab": True}},
            "Vibing2Lab": {"default_model": "haiku", "max_prompt_bytes": 100,
                           "allowed_models": ["anthropic:claude-haiku-*", "gpt"], "max_concurrent_streams": 2}}


async def test_default_model_trait_wins_over_config_yaml(api: Api, fake_model: FakeModelServer,
                                                         fast_config: Any) -> None:
    fast_config.write_text(fast_config.read_text() + "default_model: anthropic:claude-opus-4-1\n")
    events = sse((await api("POST", "stream", {"prompt": "hi"})).body)
    assert events[0][1]["models"] == ["anthropic:claude-haiku-4-5"]
    assert fake_model.requests[0].body["model"] == "claude-haiku-4-5"


async def test_max_prompt_bytes_trait(api: Api, fake_model: FakeModelServer) -> None:
    assert (await api("POST", "stream", {"prompt": "é" * 50})).status == 200  # 100 bytes: the limit
    answer = await api("POST", "stream", {"prompt": "é" * 51})
    assert answer.status == 400 and "max_prompt_bytes (100)" in answer.error["message"]


async def test_allowed_models_by_pattern_and_alias(api: Api, fake_model: FakeModelServer) -> None:
    assert (await api("POST", "stream", {"prompt": "hi", "model": "gpt"})).status == 200
    refused = await api("POST", "stream", {"prompt": "hi", "model": "sonnet", "project": "never"})
    assert refused.status == 400
    assert "anthropic:claude-sonnet-4-5 is not allowed" in refused.error["message"]
    assert "allowed_models" in refused.error["hint"]
    assert [p.name for p in Store.open().list_projects()] == []  # refused before the project existed
    assert len(fake_model.requests) == 1


async def test_stream_limit_answers_429(api: Api, fake_model: FakeModelServer) -> None:
    fake_model.default = Reply(text="slow", first_delay=0.5)
    running = [asyncio.ensure_future(api("POST", "stream", {"prompt": f"hi {n}"})) for n in range(2)]
    for _ in range(200):
        if len((await api("GET", "stream")).json["streams"]) == 2:
            break
        await asyncio.sleep(0.01)
    busy = await api("POST", "stream", {"prompt": "one too many"})
    assert busy.status == 429 and busy.error["kind"] == "busy"
    assert "max_concurrent_streams" in busy.error["hint"]
    for answer in await asyncio.gather(*running):
        assert sse(answer.body)[-1][0] == "complete"
    assert json.loads((await api("GET", "stream")).body)["streams"] == []


async def test_allowed_models_also_bound_inline_completion(api: Api, fake_model: FakeModelServer,
                                                           fast_config: Any) -> None:
    fast_config.write_text(fast_config.read_text() + "completion: {model: 'sonnet'}\n", encoding="utf-8")
    refused = await api("POST", "complete", {"prefix": "def fib(", "suffix": "", "language": "python", "cells": []})
    assert refused.status == 400
    assert "anthropic:claude-sonnet-4-5 is not allowed" in refused.error["message"]
    assert fake_model.requests == []
