"""The search index on disk (issue 21): reused while no agent file changed, rebuilt otherwise,
ignored when damaged; a cached index ranks exactly as a fresh one."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from vibing2_lab.agents import AgentRegistry
from vibing2_lab.agents.registry import clear_cache
from vibing2_lab.agents.search import PICK_WEIGHTS, SEARCH_WEIGHTS, SearchIndex

PROMPTS = ["Write a SQL query with a window function", "My pandas merge duplicates rows, debug it",
           "Deploy this app with Docker on Kubernetes", "Plot a histogram with seaborn"]


def _cache(home: Path) -> Path:
    return home / "cache" / "agent-index.marshal"


def _ranking(registry: AgentRegistry) -> list[list[tuple[str, float, tuple[tuple[str, tuple[str, ...]], ...]]]]:
    out = []
    for prompt, weights in [(p, w) for p in PROMPTS for w in (SEARCH_WEIGHTS, PICK_WEIGHTS)]:
        hits = registry.index().score(registry.index().query_terms(prompt), weights=weights)
        out.append([(h.agent.name, round(h.score, 9), tuple((w, m[1]) for w, m in sorted(h.matched.items())))
                    for h in hits])
    return out


def test_a_cached_index_ranks_exactly_like_a_fresh_one(vibe_home: Path) -> None:
    fresh = AgentRegistry.load()
    expected = _ranking(fresh)
    assert _cache(vibe_home).is_file()
    clear_cache()
    cached = AgentRegistry.load()
    index = cached.index()
    assert index._fields == {}  # nothing was tokenized: the postings came from disk
    assert _ranking(cached) == expected


def test_a_changed_file_rebuilds_the_index(tmp_path: Path, vibe_home: Path, monkeypatch: pytest.MonkeyPatch,
                                           write_agent: Callable[..., Path]) -> None:
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(tmp_path))
    path = write_agent(tmp_path, "geo.md", "geo-helper", description="Maps and shapefiles.")
    AgentRegistry.load().index()
    assert AgentRegistry.load().pick("reproject my shapefile").agent.name == "geo-helper"
    write_agent(tmp_path, "geo.md", "geo-helper", description="Knits scarves and sweaters.")
    clear_cache()
    registry = AgentRegistry.load()
    assert registry.index()._fields != {}  # rebuilt
    assert [h.agent.name for h in registry.index().search("scarves")] == ["geo-helper"]
    assert path.exists()


@pytest.mark.parametrize("damage", [b"", b"not marshal", b"\x00" * 64, "truncate"])
def test_a_damaged_cache_is_ignored(vibe_home: Path, damage: bytes | str) -> None:
    expected = _ranking(AgentRegistry.load())
    cache = _cache(vibe_home)
    data = cache.read_bytes()
    cache.write_bytes(data[: len(data) // 2] if damage == "truncate" else damage)  # type: ignore[operator]
    clear_cache()
    assert _ranking(AgentRegistry.load()) == expected


def test_out_of_range_entries_in_a_cache_match_nothing() -> None:
    from array import array

    from vibing2_lab.agents.search import Postings

    bad = Postings({"sql": (array("i", [7]).tobytes(), array("d", [1.0]).tobytes())}, count=2)
    assert bad.get("sql") == [] and bad.get("nothing") == []


def test_an_unwritable_home_still_ranks(vibe_home: Path) -> None:
    (vibe_home / "cache").write_text("a file where the folder should be", encoding="utf-8")
    index = SearchIndex(AgentRegistry.load().all(), cached=True)
    assert index.search("sql")[0].agent.name == "sql-expert"
