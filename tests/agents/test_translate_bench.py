"""Issue 19: the machinery of benchmarks/agent_eval_translate.py, whose "no gain" result (nothing
shipped) is only worth reporting if the bridge itself works: IBM Model 1 learns which agent word a
request word stands for, and the bridged index then picks an agent through a word it never spells."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from tests.agents.conftest import REPO
from vibing2_lab.agents.discovery import discover_folder
from vibing2_lab.agents.registry import build
from vibing2_lab.agents.search import PICK_WEIGHTS

sys.path.insert(0, str(REPO / "benchmarks"))
import agent_eval_translate as bench  # noqa: E402

# (request terms, agent terms): "slow" (an index term: stemmed) is always asked of the agent that says "perform".
PAIRS = [(["slow", "page"], ["perform", "optim"]), (["lag", "slow"], ["perform", "profil"]),
         (["crash", "traceback"], ["debug", "error"]), (["crash", "page"], ["debug", "fix"]),
         (["slow", "queri"], ["perform", "databas"])]


def test_model1_learns_that_a_request_word_stands_for_an_agent_word() -> None:
    t = bench.model1(PAIRS)
    assert max(t["perform"], key=t["perform"].get) == "slow"
    assert max(t["debug"], key=t["debug"].get) == "crash"
    table = bench.prune(t, k=3, floor=0.05)
    assert "perform" not in dict(table["perform"])  # no self-translation: the lexical ranking counts those
    assert "" not in table  # nor the NULL word


def test_the_bridged_index_picks_an_agent_through_a_word_it_never_spells(
        tmp_path: Path, write_agent: Callable[..., Path]) -> None:
    write_agent(tmp_path, "p.md", "speed-expert", description="Performance optimization and profiling.")
    write_agent(tmp_path, "d.md", "bug-hunter", description="Debugging errors and fixing them.")
    agents = build(discover_folder(tmp_path, source="env"), []).all()
    request = "everything is so slow"  # shares no word with either agent
    plain = bench.bridged_index(agents, {}, mu=2.0)
    assert plain.score(plain.query_terms(request), weights=(*PICK_WEIGHTS[:3], 1.0)) == []
    index = bench.bridged_index(agents, bench.prune(bench.model1(PAIRS), k=3, floor=0.05), mu=2.0)
    hits = index.score(index.query_terms(request), weights=(*PICK_WEIGHTS[:3], 1.0))
    assert [h.agent.name for h in hits][:1] == ["speed-expert"]
    assert hits[0].strength > 0  # the bridge's points count as evidence
