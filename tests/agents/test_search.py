"""Search ranking over a realistic library: the bundled agents plus a Claude Code-style collection."""

from __future__ import annotations

import pytest

from vibing2_lab.agents import AgentRegistry
from vibing2_lab.agents.search import distance, stem, words
from tests.agents.conftest import DATA


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch) -> AgentRegistry:
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(DATA / "collection"))
    return AgentRegistry.load()


@pytest.mark.parametrize(("query", "first", "also"), [
    ("react components state management", "frontend-developer", "fullstack-developer"),
    ("terraform state drift", "terraform-specialist", "devops-engineer"),
    ("kubernetes gitops", "kubernetes-architect", "devops-engineer"),
    ("sql window function", "sql-expert", "data-scientist"),
    ("owasp vulnerabilities", "security-auditor", "code-reviewer"),
    ("prompt llm", "prompt-engineer", "ml-engineer"),
    ("pandas dataframe cleaning", "data-analyst", None),
    ("async python decorators", "python-pro", None),
    ("accessibility contrast", "ui-ux-designer", None),
    ("flaky pytest fixtures", "testing-expert", None),
    ("dockerfile github actions", "devops-engineer", None),
    ("schema foreign keys migrations", "database-architect", None),
])
def test_ranking(library: AgentRegistry, query: str, first: str, also: str | None) -> None:
    names = [a.name for a, _ in library.search(query, limit=3)]
    assert names[0] == first, names
    if also:
        assert also in names, names


@pytest.mark.parametrize(("query", "first"), [
    ("debuging specalist", "debugging-specialist"),
    ("kubernetes architekt", "kubernetes-architect"),
    ("terraform specailist", "terraform-specialist"),
    ("visualisation", "visualization-expert"),
    ("notebok tutor", "notebook-tutor"),
])
def test_typos_in_names_are_forgiven(library: AgentRegistry, query: str, first: str) -> None:
    assert library.search(query, limit=1)[0][0].name == first


def test_an_exact_name_comes_first(library: AgentRegistry) -> None:
    hits = library.search("python-pro")
    assert hits[0][0].name == "python-pro"
    assert hits[0][1] > 2 * hits[1][1]


def test_scores_are_descending_and_limit_is_kept(library: AgentRegistry) -> None:
    from vibing2_lab.agents.search import USER_MARGIN

    hits = library.search("api data", limit=4)
    assert len(hits) == 4
    # Descending once the user's own agents get their tie margin over bundled ones.
    ranked = [s * (1 + USER_MARGIN if a.source != "bundled" else 1) for a, s in hits]
    assert ranked == sorted(ranked, reverse=True) and min(s for _, s in hits) > 0


def test_nothing_matches_nonsense(library: AgentRegistry) -> None:
    assert library.search("xyzzy plugh") == []
    assert library.search("") == []


def test_name_beats_body() -> None:
    from vibing2_lab.agents.parse import Agent
    from vibing2_lab.agents.search import SearchIndex

    agents = [Agent(name="alpha", system_prompt="graphql " * 5 + "filler " * 50),
              Agent(name="graphql-helper", system_prompt="filler " * 50),
              Agent(name="beta", system_prompt="filler " * 55)]
    assert [h.agent.name for h in SearchIndex(agents).search("graphql")] == ["graphql-helper", "alpha"]


def test_text_helpers() -> None:
    assert words("Please build me a React app, the C++ way!") == ["build", "react", "app", "c++"]
    assert {stem(w) for w in ("test", "tests", "testing", "tested")} == {"test"}
    assert (stem("llms"), stem("css"), stem("apis")) == ("llm", "css", "api")
    assert {stem(w) for w in ("optimize", "optimization", "optimizing", "optimizer")} == {"optim"}
    assert {stem(w) for w in ("debug", "debugging", "debugged")} == {"debug"}
    assert {stem(w) for w in ("style", "styles", "styling", "styled")} == {"style"}
    assert stem("c++") == "c++" and words("x" * 41 + " ok") == ["ok"]  # a 41-letter token is no word
    assert distance("specalist", "specialist") == 1
    assert distance("architekt", "architect") == 1
    assert distance("ab", "ba") == 1
    assert distance("kitten", "sitting", limit=3) == 3
