"""Issue 11 D3: one long word, or a huge prompt, must neither stall the ranking nor the server."""

from __future__ import annotations

import asyncio
import json
import random
import string
import time
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from vibing2_lab.agents import AgentRegistry
from vibing2_lab.agents.fuzzy import MAX_FUZZY_WORD, Corrector
from vibing2_lab.errors import InputError

PREFIX = "vibing2-lab/api"


def _word(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


@pytest.mark.timeout(20)
@pytest.mark.parametrize("letters", [1_500, 2_000, 1_000_000])
def test_a_long_word_is_not_corrected_letter_by_letter(letters: int) -> None:
    # Before the bound, 1,500 letters took seconds and 2,000 took 13 s and 3.8 GB.
    registry = AgentRegistry.load()
    pick = registry.pick(_word(letters), default="notebook-tutor", max_bytes=2_000_000)
    assert pick.fallback and pick.agent.name == "notebook-tutor"
    assert registry.search(_word(letters), max_bytes=2_000_000) == []


def test_the_corrector_refuses_words_past_its_bound() -> None:
    corrector = Corrector(["debugging", "kubernetes"])
    assert corrector.correct("kubernetse") == "kubernetes"
    assert corrector.correct("debuging" + "x" * (MAX_FUZZY_WORD - 8)) is None


def test_many_typos_in_one_query_are_corrected_only_up_to_a_budget() -> None:
    registry = AgentRegistry.load()
    index = registry.index()
    noise = " ".join(_word(12, seed) for seed in range(5_000))
    assert index.query_terms(noise) == {}
    assert "debug" in index.query_terms("debuging " + noise)  # the first words still get corrected


def test_pick_and_search_inputs_are_size_limited_like_prompts() -> None:
    registry = AgentRegistry.load()
    with pytest.raises(InputError, match=r"The prompt is 300,000 bytes, more than max_prompt_bytes \(200,000\)"):
        registry.pick("sql " * 75_000)
    with pytest.raises(InputError, match="The context is"):
        registry.pick("sql", context="x" * 200_001)
    with pytest.raises(InputError, match="The search query is"):
        registry.search("sql ", max_bytes=3)
    assert registry.pick("sql query " * 20_000).agent.name == "sql-expert"  # exactly at the limit


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"vibing2_lab": True}},
            "Vibing2Lab": {"max_prompt_bytes": 2_000_000}}


async def _fetch(jp_fetch: Any, *path: str, **kwargs: Any) -> tuple[int, Any]:
    try:
        response = await jp_fetch(PREFIX, *path, **kwargs)
    except HTTPClientError as exc:
        assert exc.response is not None
        return exc.code, json.loads(exc.response.body)
    return response.code, json.loads(response.body)


@pytest.mark.timeout(60)
async def test_health_answers_while_a_1mb_word_is_picked(jp_fetch: Any) -> None:
    await _fetch(jp_fetch, "health")  # the extension is loaded and warm
    body = json.dumps({"prompt": _word(1_000_000)})
    picking = asyncio.ensure_future(_fetch(jp_fetch, "agents", "pick", method="POST", body=body))
    await asyncio.sleep(0)  # the pick request is on its way
    worst = 0.0
    while not picking.done():
        t0 = time.perf_counter()
        assert (await _fetch(jp_fetch, "health"))[0] == 200
        worst = max(worst, time.perf_counter() - t0)
        await asyncio.sleep(0.01)
    status, answer = await picking
    assert status == 200 and answer["fallback"], answer
    assert worst < 0.2, f"/health took {worst * 1e3:.0f} ms while a pick ran"


async def test_an_oversized_pick_or_search_is_a_clear_400(jp_fetch: Any) -> None:
    status, answer = await _fetch(jp_fetch, "agents", "pick", method="POST",
                                  body=json.dumps({"prompt": "word " * 500_000}))
    assert status == 400 and answer["error"]["kind"] == "input"
    assert "2,500,000 bytes, more than max_prompt_bytes (2,000,000)" in answer["error"]["message"]
    status, answer = await _fetch(jp_fetch, "agents", "pick", method="POST",
                                  body=json.dumps({"prompt": "sql", "context": "x" * 2_000_001}))
    assert status == 400 and "The context is" in answer["error"]["message"]
