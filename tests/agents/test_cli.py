"""`vibing2-lab agents ...` in a real subprocess."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.agents.conftest import DATA, REPO
from tests.conftest import run_cli

COLLECTION = DATA / "collection"


def env_with(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def test_list_json_shows_every_loadable_agent_in_the_folder_tree_with_its_path() -> None:
    out = run_cli("agents", "list", "--json", env=env_with(VIBING2_LAB_AGENTS_PATH=str(COLLECTION)))
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    env_rows = {r["name"]: r for r in rows if r["source"] == "env"}
    expected = {
        "frontend-developer": "engineering/frontend-developer.md",
        "python-pro": "engineering/python-pro.md",
        "api-designer": "engineering/api-designer.md",
        "data-scientist": "data-ai/data-scientist.md",
        "prompt-engineer": "data-ai/prompt-engineer.md",
        "terraform-specialist": "infrastructure/cloud/terraform-specialist.md",
        "kubernetes-architect": "infrastructure/kubernetes-architect.md",
        "security-auditor": "security/security-auditor.md",
    }
    assert {name: row["path"] for name, row in env_rows.items()} == {n: str(COLLECTION / p) for n, p in expected.items()}
    for row in rows:
        assert {"name", "description", "category", "source", "path", "shadows", "sha256"} <= set(row)
        assert len(row["sha256"]) == 64
    assert {r["source"] for r in rows} == {"env", "bundled"}
    assert "skipped" in out.stderr and "incomplete.md: no `name` in the frontmatter" in out.stderr


def test_a_relative_agents_path_gives_absolute_paths(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.md").write_text("---\nname: mine\n---\nBody\n", encoding="utf-8")
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "vibing2_lab.cli", "agents", "list", "--json"], cwd=tmp_path,
                         capture_output=True, text=True, env=env_with(VIBING2_LAB_AGENTS_PATH="mine"), timeout=60)
    row = next(r for r in json.loads(out.stdout) if r["name"] == "mine")
    assert row["path"] == str(tmp_path / "mine" / "a.md")


def test_list_table_shows_source_path_and_shadows(tmp_path: Path) -> None:
    (tmp_path / "sql.md").write_text("---\nname: sql-expert\ndescription: mine\n---\nBody\n", encoding="utf-8")
    out = run_cli("agents", "list", env=env_with(VIBING2_LAB_AGENTS_PATH=str(tmp_path)))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["NAME", "CATEGORY", "SOURCE", "PATH", "SHADOWS"]
    sql = next(line for line in lines if line.startswith("sql-expert "))
    assert " env " in sql and str(tmp_path / "sql.md") in sql and str(REPO / "agents" / "sql-expert.md") in sql
    assert out.stderr == ""


def test_project_agents_come_first(tmp_path: Path) -> None:
    folder = tmp_path / ".vibe" / "agents"
    folder.mkdir(parents=True)
    (folder / "t.md").write_text("---\nname: notebook-tutor\ndescription: project tutor\n---\nB\n", encoding="utf-8")
    out = run_cli("agents", "--project-dir", str(tmp_path), "show", "notebook-tutor", "--json")
    data = json.loads(out.stdout)
    assert (data["source"], data["description"]) == ("project", "project tutor")


def test_show_prints_fields_and_the_system_prompt() -> None:
    out = run_cli("agents", "show", "sql-expert")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("name:             sql-expert\n")
    assert "performance_tier: balanced" in out.stdout
    assert "You are an SQL expert." in out.stdout


def test_show_an_unknown_agent_fails_with_suggestions() -> None:
    out = run_cli("agents", "show", "sql-expret")
    assert out.returncode == 1
    assert out.stdout == ""
    assert out.stderr.startswith("vibing2-lab: error: No agent named 'sql-expret'. Did you mean sql-expert?")


def test_search_table_and_json() -> None:
    out = run_cli("agents", "search", "debuging specalist")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].split()[1] == "debugging-specialist"
    hits = json.loads(run_cli("agents", "search", "kubernetes deploy", "--json", "--limit", "2").stdout)
    assert [h["name"] for h in hits][0] == "devops-engineer" and len(hits) <= 2 and hits[0]["score"] > 0


def test_search_with_no_hits_exits_1() -> None:
    out = run_cli("agents", "search", "xyzzy")
    assert out.returncode == 1 and "no agent matches 'xyzzy'" in out.stderr


@pytest.mark.parametrize(("prompt", "name"), [
    ("Plot monthly revenue as a line chart with matplotlib", "visualization-expert"),
    ("Write a window function query in SQL", "sql-expert"),
])
def test_pick_prints_the_name(prompt: str, name: str) -> None:
    out = run_cli("agents", "pick", prompt)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"{name}\n"


def test_pick_json_adds_score_and_reasons() -> None:
    data = json.loads(run_cli("agents", "pick", "Train a classifier with scikit-learn", "--json").stdout)
    assert data["name"] == "ml-engineer" and data["score"] > 2 and not data["fallback"]
    assert any("'classifier'" in r or "'scikit'" in r for r in data["reasons"]), data["reasons"]


def test_pick_uses_context_and_the_configured_default(vibe_home: Path) -> None:
    (vibe_home / "config.yaml").write_text("default_agent: code-reviewer\n", encoding="utf-8")
    fallback = json.loads(run_cli("agents", "pick", "hello", "--json").stdout)
    assert fallback["name"] == "code-reviewer" and fallback["fallback"]
    out = run_cli("agents", "pick", "make it better", "--context", "df.groupby('region') with pandas")
    assert out.stdout == "data-analyst\n"


def test_bare_agents_lists() -> None:
    out = run_cli("agents")
    assert out.returncode == 0 and out.stdout.startswith("NAME")
