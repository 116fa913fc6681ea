"""Issue 19: the user's own agents win ties against bundled ones; `agents pick --explain`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.agents.conftest import REPO
from tests.conftest import run_cli
from vibing2_lab.agents import AgentRegistry

PROMPT = "Write a query with a window function to rank customers by spend each month"


def _copy_of_sql_expert(folder: Path, name: str) -> Path:
    """The bundled sql-expert under another name: every field but the name scores the same."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (REPO / "agents" / "sql-expert.md").read_text(encoding="utf-8")
    path = folder / f"{name}.md"
    path.write_text(text.replace("name: sql-expert", f"name: {name}", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("where", ["env", "home", "project"])
def test_a_user_agent_wins_a_tie_against_a_bundled_one(where: str, tmp_path: Path, vibe_home: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # "zz-" sorts after "sql-expert": without the rule the bundled agent would win the tie by name.
    folders = {"env": tmp_path / "mine", "home": vibe_home / "agents", "project": tmp_path / ".vibe" / "agents"}
    _copy_of_sql_expert(folders[where], "zz-sql-copy")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(folders["env"]))
    registry = AgentRegistry.load(project_dir=tmp_path)
    pick = registry.pick(PROMPT)
    assert pick.agent.name == "zz-sql-copy" and pick.agent.source == where
    runner = pick.candidates[1]
    # Only the name differs, and a name's length moves the query-likelihood prior a little: a tie
    # within 1 % (the rule's margin is USER_MARGIN, 30 %).
    assert runner.agent.name == "sql-expert" and runner.score == pytest.approx(pick.score, rel=0.01)
    assert any(r.startswith("close to the bundled sql-expert") for r in pick.reasons), pick.reasons
    assert [a.name for a, _ in registry.search("window function", limit=2)] == ["zz-sql-copy", "sql-expert"]


def test_a_clearly_better_bundled_agent_still_beats_a_user_agent(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "poet.md").write_text("---\nname: poet\ndescription: Writes poems, sometimes about SQL.\n---\n"
                                      "You write poems.\n", encoding="utf-8")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(tmp_path))
    pick = AgentRegistry.load().pick(PROMPT)
    assert pick.agent.name == "sql-expert"
    assert not any(r.startswith("close to") for r in pick.reasons)


def test_a_user_agent_that_scores_a_little_below_a_bundled_one_is_preferred(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real install has the bundled library beside the user's own; the user's agent for the job wins
    # unless a bundled one is clearly better (benchmarks/agent_eval_margin.py chose 30 % on dev).
    from vibing2_lab.agents.search import PICK_WEIGHTS, USER_MARGIN

    (tmp_path / "mine.md").write_text("---\nname: my-sql\ndescription: Helps with databases: SQL queries, window "
                                      "functions, ranking and monthly reports.\n---\nYou write SQL queries for "
                                      "analysts.\n", encoding="utf-8")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(tmp_path))
    registry = AgentRegistry.load()
    index = registry.index()
    scores = {h.agent.name: h.score for h in index.score(index.query_terms(PROMPT), weights=PICK_WEIGHTS)}
    ratio = scores["my-sql"] / scores["sql-expert"]
    assert 1 / (1 + USER_MARGIN) < ratio < 1 / 1.05, ratio  # below the bundled agent, more than a tie apart
    pick = registry.pick(PROMPT)
    assert pick.agent.name == "my-sql" and pick.candidates[1].agent.name == "sql-expert"
    assert any(r.startswith("close to the bundled sql-expert") for r in pick.reasons), pick.reasons


def test_pick_explain_lists_the_top_five_with_scores_and_why() -> None:
    result = run_cli("agents", "pick", "--explain", PROMPT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("picked: sql-expert  score ") and "local ranking" in lines[0]
    assert lines[1].split() == ["#", "SCORE", "AGENT", "SOURCE", "WHY"]
    rows = lines[2:]
    assert len(rows) == 5 and rows[0].split()[:4][0] == "1" and rows[0].split()[2] == "sql-expert"
    scores = [float(row.split()[1]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert "'window' in " in rows[0]


def test_pick_explain_json_carries_the_candidates() -> None:
    result = run_cli("agents", "pick", "--explain", "--json", PROMPT)
    data = json.loads(result.stdout)
    assert data["name"] == "sql-expert" and data["how"] == "local"
    assert [c["rank"] for c in data["candidates"]] == [1, 2, 3, 4, 5]
    assert data["candidates"][0]["name"] == "sql-expert"
    assert any(w.startswith("'window' in ") for w in data["candidates"][0]["why"])


def test_pick_explain_on_a_prompt_that_matches_nothing() -> None:
    result = run_cli("agents", "pick", "--explain", "hello")
    assert result.returncode == 0
    assert "no agent scored" in result.stdout and "no agent matched any word" in result.stdout


def test_pick_refuses_an_oversized_prompt_in_one_line(tmp_path: Path) -> None:
    (Path(os.environ["VIBING2_LAB_HOME"]) / "config.yaml").write_text("max_prompt_bytes: 100\n", encoding="utf-8")
    result = run_cli("agents", "pick", "x " * 51)
    assert result.returncode != 0
    assert "The prompt is 102 bytes, more than max_prompt_bytes (100)" in result.stderr
    assert "Traceback" not in result.stderr
