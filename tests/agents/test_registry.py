"""Sources, precedence and shadowing, recursive folders, broken files, reload on change."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

from vibing2_lab.agents import AgentRegistry, default_registry
from vibing2_lab.errors import UnknownAgentError
from tests.agents.conftest import DATA, REPO

BUNDLED = sorted(p.stem for p in (REPO / "agents").glob("*.md") if not p.name.lower().startswith("readme"))


@pytest.fixture
def sources(tmp_path: Path, vibe_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A project, two $VIBING2_LAB_AGENTS_PATH folders and the home agents folder."""
    dirs = {"project": tmp_path / "proj", "env1": tmp_path / "env1", "env2": tmp_path / "env2",
            "home": vibe_home / "agents"}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    (dirs["project"] / ".vibe" / "agents").mkdir(parents=True)
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", os.pathsep.join([str(dirs["env1"]), str(dirs["env2"])]))
    return dirs


def test_bundled_agents_load_without_warnings() -> None:
    registry = AgentRegistry.load()
    assert [a.name for a in registry.all()] == BUNDLED
    assert registry.warnings == []
    assert {a.source for a in registry.all()} == {"bundled"}


def test_precedence_project_env_home_bundled(sources: dict[str, Path], write_agent: Callable[..., Path]) -> None:
    project = write_agent(sources["project"] / ".vibe" / "agents", "x.md", "sql-expert", description="project")
    env1 = write_agent(sources["env1"], "sql.md", "sql-expert", description="env1")
    env2 = write_agent(sources["env2"] / "deep", "sql.md", "sql-expert", description="env2")
    home = write_agent(sources["home"], "sql-expert.md", "sql-expert", description="home")
    write_agent(sources["env2"], "env-only.md", "env-only")
    write_agent(sources["home"], "home-only.md", "home-only")

    registry = AgentRegistry.load(project_dir=sources["project"])
    winner = registry.get("sql-expert")
    assert (winner.description, winner.source, winner.path) == ("project", "project", project)
    assert winner.shadows == [env1, env2, home, REPO / "agents" / "sql-expert.md"]
    assert registry.get("env-only").source == "env"
    assert registry.get("home-only").source == "home"
    assert registry.get("data-analyst").source == "bundled" and registry.get("data-analyst").shadows == []

    without_project = AgentRegistry.load()
    assert without_project.get("sql-expert").description == "env1"
    assert without_project.get("sql-expert").shadows == [env2, home, REPO / "agents" / "sql-expert.md"]


def test_env_path_is_searched_recursively_and_category_is_the_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(DATA / "collection"))
    registry = AgentRegistry.load()
    env = {a.name: a for a in registry.all() if a.source == "env"}
    assert set(env) == {"frontend-developer", "python-pro", "api-designer", "data-scientist", "prompt-engineer",
                        "terraform-specialist", "kubernetes-architect", "security-auditor"}
    assert env["terraform-specialist"].category == "cloud"
    assert env["terraform-specialist"].path == DATA / "collection" / "infrastructure" / "cloud" / "terraform-specialist.md"
    assert env["security-auditor"].category == "security"
    assert registry.warnings == [f"skipped {DATA / 'collection' / 'security' / 'incomplete.md'}: no `name` in the frontmatter"]


def test_a_broken_file_beside_good_ones(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    broken = DATA / "broken"
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(broken))
    with caplog.at_level("WARNING", logger="vibing2_lab.agents"):
        registry = AgentRegistry.load()
    names = {a.name for a in registry.all() if a.source == "env"}
    assert names == {"good-one", "good-two", "zz-last-good"}
    skipped = {w.split(":", 1)[0].removeprefix("skipped ") for w in registry.warnings}
    assert skipped == {str(broken / f) for f in ("latin-1.md", "name-is-a-list.md", "no-frontmatter.md", "no-name.md",
                                                 "unclosed-frontmatter.md", "yaml-broken-no-name.md")}
    assert all(w.startswith("skipped ") for w in registry.warnings)
    assert "README" not in " ".join(registry.warnings)  # READMEs are not agents, and not worth a warning
    assert [r.getMessage() for r in caplog.records] == registry.warnings


def test_readme_files_are_never_agents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "README.md").write_text("---\nname: readme-agent\n---\n", encoding="utf-8")
    (tmp_path / "readme.zh.md").write_text("---\nname: readme-zh\n---\n", encoding="utf-8")
    (tmp_path / "LICENSE.md").write_text("MIT", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "a.md").write_text("---\nname: hidden\n---\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("---\nname: txt\n---\n", encoding="utf-8")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(tmp_path))
    registry = AgentRegistry.load()
    assert [a.name for a in registry.all() if a.source == "env"] == []
    assert registry.warnings == []


def test_a_missing_env_entry_is_a_warning_and_a_file_entry_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 write_agent: Callable[..., Path]) -> None:
    single = write_agent(tmp_path, "solo.md", "solo")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", os.pathsep.join([str(tmp_path / "nope"), str(single)]))
    registry = AgentRegistry.load()
    assert registry.get("solo").path == single
    assert registry.warnings == [f"$VIBING2_LAB_AGENTS_PATH entry {tmp_path / 'nope'} does not exist"]


def test_the_same_file_reached_twice_loads_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                write_agent: Callable[..., Path]) -> None:
    write_agent(tmp_path / "a", "x.md", "twice")
    (tmp_path / "link").symlink_to(tmp_path / "a")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", os.pathsep.join([str(tmp_path), str(tmp_path / "a")]))
    agent = AgentRegistry.load().get("twice")
    assert agent.shadows == []


def test_unknown_agent_suggests_the_closest_names() -> None:
    registry = AgentRegistry.load()
    with pytest.raises(UnknownAgentError) as caught:
        registry.get("debuging-specalist")
    assert "debugging-specialist" in caught.value.hint
    assert "agents list" in caught.value.hint
    assert registry.closest("sql-expret") == ["sql-expert"]
    assert registry.closest("tutor") == ["notebook-tutor"]
    assert registry.closest("zzzz") == []


def test_lookup_ignores_case_and_spaces() -> None:
    assert AgentRegistry.load().get(" SQL-Expert ").name == "sql-expert"


def test_default_registry_is_cached_and_reloads_a_changed_file(sources: dict[str, Path],
                                                               write_agent: Callable[..., Path]) -> None:
    path = write_agent(sources["env1"], "live.md", "live", description="first")
    first = default_registry()
    assert default_registry() is first
    assert first.get("live").description == "first"

    path.write_text(path.read_text(encoding="utf-8").replace("first", "second version"), encoding="utf-8")
    second = default_registry()
    assert second is not first
    assert second.get("live").description == "second version"
    assert second.get("sql-expert") is first.get("sql-expert")  # unchanged files are not parsed again

    stat = path.stat()  # same size, new mtime: still noticed
    path.write_text(path.read_text(encoding="utf-8").replace("second", "thirdxx"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert default_registry().get("live").description == "thirdxx version"

    path.unlink()
    assert "live" not in default_registry()
    write_agent(sources["env2"], "new.md", "brand-new")
    assert "brand-new" in default_registry()


def test_default_registry_is_per_project(sources: dict[str, Path], write_agent: Callable[..., Path]) -> None:
    write_agent(sources["project"] / ".vibe" / "agents", "p.md", "project-agent")
    assert "project-agent" in default_registry(project_dir=sources["project"])
    assert "project-agent" not in default_registry()


def test_summary_rows_are_json_ready(sources: dict[str, Path], write_agent: Callable[..., Path]) -> None:
    import json

    write_agent(sources["env1"], "sql.md", "sql-expert")
    row = AgentRegistry.load().get("sql-expert").summary()
    assert json.loads(json.dumps(row)) == row
    assert row["shadows"] == [str(REPO / "agents" / "sql-expert.md")]
    assert {"name", "description", "category", "source", "path", "shadows", "sha256"} <= set(row)
