"""Issue 19: the evaluation's guards. agent_eval_data.CopyGuard keeps copies of held-out agent files out of
the dev collections (and copies of one dev collection out of another: the leave-one-out folds), and
agent_eval_ltr.top1 (numpy) breaks ties by name as search.rank_key does."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import pytest

from tests.agents.conftest import REPO, agent_text

sys.path.insert(0, str(REPO / "benchmarks"))
import agent_eval_data as data  # noqa: E402
import agent_eval_ltr as ltr  # noqa: E402

BODY = ("You are a database specialist who designs schemas, writes migrations, tunes slow queries with "
        "explain plans and indexes, and reviews every change for locking and replication lag before it ships.")
PLAN = ("You plan sprints for a small product team: you size the backlog with them, split epics into "
        "stories a developer can finish in two days, and keep a burn-down chart everyone can read on Monday.")
OTHER = ("You write release notes and changelogs from merged pull requests, grouping them by feature, "
         "fix and breaking change, and you link each entry to its issue for the readers of the project.")


@pytest.fixture
def root(tmp_path: Path, write_agent: Callable[..., Path]) -> Path:
    write_agent(tmp_path / "held" / "agents" / "data", "db.md", "database-expert", body=BODY)
    write_agent(tmp_path / "dev1" / "agents", "notes.md", "release-scribe", body=OTHER)
    return tmp_path


def test_a_held_out_file_copied_under_another_name_is_caught(root: Path) -> None:
    guard = data.CopyGuard(["held"], [], root=root)
    reworded = agent_text("db-guru", description="Databases.", body=BODY + " Be brief.")
    assert (guard.copy_of("db-guru", reworded) or "").startswith("held/data/db.md (8")  # 81 % of its 5-grams


def test_a_held_out_agent_name_is_a_copy_whatever_its_text(root: Path) -> None:
    guard = data.CopyGuard(["held"], [], root=root)
    assert "same name" in (guard.copy_of("Database_Expert", agent_text("Database_Expert", body=OTHER)) or "")


def test_an_unrelated_file_passes_and_dev_names_may_recur(root: Path) -> None:
    guard = data.CopyGuard(["held"], ["dev1"], root=root)
    assert guard.copy_of("sprint-planner", agent_text("sprint-planner", body=PLAN)) is None
    assert guard.copy_of("release-scribe", agent_text("release-scribe", body=PLAN)) is None
    assert (guard.copy_of("notes", agent_text("notes", body=OTHER)) or "").startswith("dev1/notes.md")


def test_a_collection_not_built_yet_is_a_clear_error(root: Path) -> None:
    with pytest.raises(FileNotFoundError, match="build nowhere first"):
        data.CopyGuard(["nowhere"], root=root)


def test_requests_compare_by_their_words() -> None:
    assert data._key("Fix  the LOGIN page!") == data._key("fix the login page")


def test_top1_breaks_a_tie_by_name_and_counts_unscored_requests_as_misses() -> None:
    tie = [0.0] * len(ltr.FEATURES)
    tie[0] = 1.0
    samples = [(["b-agent", "a-agent"], [tie, tie], 0),  # tied: a-agent ranks first, so b-agent misses
               (["b-agent", "a-agent"], [tie, tie], 1),
               ([], [], -1)]  # the intended agent matched no word
    w = [*ltr.SHIPPED, *[0.0] * (len(ltr.FEATURES) - len(ltr.SHIPPED))]
    assert ltr.top1(w, samples) == pytest.approx(1 / 3)
