"""Agent routes: list, one agent, search, pick; unknown names and bad queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.conftest import Api
from vibing2_lab.agents import default_registry


async def test_list_matches_the_registry(api: Api) -> None:
    answer = await api("GET", "agents")
    assert answer.status == 200
    names = [a["name"] for a in answer.json["agents"]]
    assert names == [a.name for a in default_registry().all()]
    assert "fullstack-developer" in names
    row = next(a for a in answer.json["agents"] if a["name"] == "sql-expert")
    assert {"description", "category", "tags", "performance_tier", "source", "sha256"} <= set(row)


async def test_one_agent_with_its_system_prompt(api: Api) -> None:
    answer = await api("GET", "agents/sql-expert")
    assert answer.status == 200
    assert answer.json["name"] == "sql-expert"
    assert answer.json["system_prompt"] == default_registry().get("sql-expert").system_prompt


async def test_unknown_agent_is_404_with_suggestions(api: Api) -> None:
    answer = await api("GET", "agents/sql-expret")
    assert answer.status == 404
    assert answer.error["kind"] == "unknown_agent"
    assert "sql-expert" in answer.error["hint"]


async def test_search_ranks_and_limits(api: Api) -> None:
    answer = await api("GET", "agents/search", params={"q": "sql query window function", "limit": "3"})
    assert answer.status == 200
    hits = answer.json["agents"]
    assert 1 <= len(hits) <= 3
    assert hits[0]["name"] == "sql-expert"
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert (await api("GET", "agents/search", params={"q": " "})).json["agents"] == []


@pytest.mark.parametrize("limit", ["0", "abc", "51", "-1"])
async def test_search_refuses_a_bad_limit(api: Api, limit: str) -> None:
    answer = await api("GET", "agents/search", params={"q": "sql", "limit": limit})
    assert answer.status == 400 and answer.error["kind"] == "input"


async def test_pick_names_the_agent_and_why(api: Api) -> None:
    answer = await api("POST", "agents/pick", {"prompt": "write a SQL query with a window function"})
    assert answer.status == 200
    assert answer.json["name"] == "sql-expert"
    assert answer.json["reasons"] and answer.json["fallback"] is False
    assert answer.json == default_registry().pick("write a SQL query with a window function").to_dict()


async def test_pick_refuses_empty_and_malformed_bodies(api: Api) -> None:
    assert (await api("POST", "agents/pick", {"prompt": "  "})).status == 400
    assert (await api("POST", "agents/pick", {})).error["message"] == "The request body has no 'prompt'."
    bad = await api("POST", "agents/pick", raw=b'{"prompt": ')
    assert bad.status == 400 and "not valid JSON" in bad.error["message"]
    array = await api("POST", "agents/pick", raw=b'["prompt"]')
    assert array.status == 400 and "JSON object" in array.error["message"]


async def test_agents_from_the_home_folder_are_listed(api: Api, vibe_home: Path) -> None:
    folder = vibe_home / "agents"
    folder.mkdir()
    (folder / "haiku-poet.md").write_text("---\nname: haiku-poet\ndescription: Writes haiku.\n---\nBe brief.\n")
    names = [a["name"] for a in (await api("GET", "agents")).json["agents"]]
    assert "haiku-poet" in names
    assert (await api("GET", "agents/haiku-poet")).json["system_prompt"].strip() == "Be brief."
