"""Issue 19: auto-selection's query-likelihood score (likelihood.py) counts the request's words an
agent lacks; it reorders candidates but is no evidence on its own (pick's threshold reads BM25F)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from vibing2_lab.agents import AgentRegistry
from vibing2_lab.agents.likelihood import PRIOR
from vibing2_lab.agents.discovery import discover_folder
from vibing2_lab.agents.registry import build
from vibing2_lab.agents.search import PICK_WEIGHTS, SEARCH_WEIGHTS, SearchIndex
from vibing2_lab.agents.text import words

# Unrelated words: a system prompt mostly about something else.
OTHER = " ".join(f"Topic{i} means nothing here." for i in range(300))


def _pair(tmp_path: Path, write_agent: Callable[..., Path]) -> AgentRegistry:
    """Two agents with the same description; "aa-broad" (first by name) has a long unrelated prompt."""
    description = "Turns invoices into ledger entries."
    write_agent(tmp_path, "a.md", "aa-broad", description=description, body="You help. " + OTHER)
    write_agent(tmp_path, "z.md", "zz-focused", description=description, body="You help.")
    return build(discover_folder(tmp_path, source="env"), [])


def test_an_agent_mostly_about_other_things_ranks_below_a_focused_one(tmp_path: Path,
                                                                      write_agent: Callable[..., Path]) -> None:
    index = _pair(tmp_path, write_agent).index()
    query = index.query_terms("turn these invoices into ledger entries")
    # BM25F alone: the description is all that matches and is the same, so the name breaks the tie.
    assert [h.agent.name for h in index.score(query, weights=(*PICK_WEIGHTS[:2], 0.0))] == ["aa-broad", "zz-focused"]
    ranked = index.score(query, weights=PICK_WEIGHTS)
    assert [h.agent.name for h in ranked] == ["zz-focused", "aa-broad"]
    assert ranked[0].strength == ranked[1].strength  # the same evidence: only the likelihood differs
    assert ranked[0].score > ranked[1].score


def test_search_does_not_use_the_likelihood(tmp_path: Path, write_agent: Callable[..., Path]) -> None:
    index = _pair(tmp_path, write_agent).index()
    hits = index.score(index.query_terms("ledger"), weights=SEARCH_WEIGHTS)
    assert all(h.score == h.strength for h in hits)


def test_the_length_prior_is_zero_for_the_shortest_agent_and_negative_for_longer(
        tmp_path: Path, write_agent: Callable[..., Path]) -> None:
    registry = _pair(tmp_path, write_agent)
    index = SearchIndex(registry.all())
    prior = dict(zip((a.name for a in index.agents), index.prior()))
    assert prior["zz-focused"] == 0.0 and prior["aa-broad"] < 0.0
    assert PRIOR not in index.postings  # the prior's key is no word anyone can type


def test_a_long_context_still_lets_the_request_decide() -> None:
    # Recent cells of 400 distinct words the library knows (from every bundled prompt): the length
    # prior counts each of them, and must not turn a long context into "pick the shortest agent".
    bundled = AgentRegistry.load()
    known = {w for a in bundled.all() for w in words(a.system_prompt)}
    context = " ".join(sorted(known)[:400])
    pick = bundled.pick("Write a SQL query with a window function to rank customers", context=context)
    assert pick.agent.name == "sql-expert", pick.reasons
