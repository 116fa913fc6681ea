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
    await _fetch(jp_fetch, "health")  # the extension is loaded
    # ... and the agents are loaded and indexed (a first pick builds the index, in a worker thread).
    assert (await _fetch(jp_fetch, "agents", "pick", method="POST", body=json.dumps({"prompt": "sql query"})))[0] == 200
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


# -- D4: hostile agent files are skipped with a warning naming the file ----------------------------

def _alias_bomb(levels: int = 9) -> str:
    lines = ["---", "name: bomb", "description: boom", "a: &a [" + ", ".join(['"lol"'] * 9) + "]"]
    for prev, cur in zip("abcdefghi", "bcdefghij"[: levels - 1]):
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    lines += [f"tags: *{'abcdefghij'[levels - 1]}", "---", "Body."]
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(20)
def test_a_yaml_alias_bomb_is_skipped_with_a_warning(tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                                                    write_agent: Any) -> None:
    (tmp_path / "bomb.md").write_text(_alias_bomb(), encoding="utf-8")
    write_agent(tmp_path, "fine.md", "fine-agent")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(tmp_path))
    registry = AgentRegistry.load()
    assert "bomb" not in registry and "fine-agent" in registry
    warning = next(w for w in registry.warnings if "bomb.md" in w)
    assert f"skipped {tmp_path / 'bomb.md'}: the frontmatter expands to more than 10,000 values" in warning


def test_small_aliases_still_load(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ok.md").write_text(_alias_bomb(levels=2).replace("name: bomb", "name: two-levels"), encoding="utf-8")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(tmp_path))
    assert len(AgentRegistry.load().get("two-levels").tags) == 9  # 9 lists of 9: 90 values, well in budget


def test_an_oversized_header_is_skipped(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, write_agent: Any) -> None:
    write_agent(tmp_path, "big.md", "big", description="word " * 60_000)
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(tmp_path))
    registry = AgentRegistry.load()
    assert "big" not in registry
    assert any("big.md: the frontmatter is 300,0" in w for w in registry.warnings), registry.warnings


@pytest.mark.parametrize("name", ["evil\\u0000agent", "../../etc/passwd", "..", "a\\\\b", "tab\\there"])
def test_names_with_nul_or_path_parts_do_not_load(tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                                                  write_agent: Any, name: str) -> None:
    (tmp_path / "bad.md").write_text(f'---\nname: "{name}"\ndescription: x\n---\nBody.\n', encoding="utf-8")
    write_agent(tmp_path, "good.md", "good-agent")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(tmp_path))
    registry = AgentRegistry.load()
    assert [a.name for a in registry.all() if a.source == "env"] == ["good-agent"]
    assert any(w.startswith(f"skipped {tmp_path / 'bad.md'}: the name ") for w in registry.warnings), registry.warnings


@pytest.mark.timeout(30)
def test_agents_list_survives_a_bomb_in_the_project_folder(tmp_path: Any) -> None:
    from tests.conftest import run_cli

    folder = tmp_path / ".vibe" / "agents"
    folder.mkdir(parents=True)
    (folder / "bomb.md").write_text(_alias_bomb(), encoding="utf-8")
    result = run_cli("agents", "--project-dir", str(tmp_path), "list", timeout=25)
    assert result.returncode == 0 and "sql-expert" in result.stdout
    assert "bomb.md: the frontmatter expands" in result.stderr
