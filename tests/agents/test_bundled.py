"""The bundled library: 14+ agents, each complete, with a real system prompt."""

from __future__ import annotations

import pytest

from vibing2_lab.agents import AgentRegistry
from vibing2_lab.agents.parse import TIERS

REQUIRED = {"fullstack-developer", "debugging-specialist", "testing-expert", "performance-optimizer",
            "ui-ux-designer", "backend-api-developer", "database-architect", "devops-engineer",
            "data-analyst", "visualization-expert", "ml-engineer", "sql-expert", "notebook-tutor", "code-reviewer"}
BUNDLED = AgentRegistry.load().all()


def test_the_required_agents_are_bundled() -> None:
    assert REQUIRED <= {a.name for a in BUNDLED}


@pytest.mark.parametrize("agent", BUNDLED, ids=[a.name for a in BUNDLED])
def test_each_bundled_agent_is_complete(agent) -> None:  # type: ignore[no-untyped-def]
    assert agent.path.stem == agent.name
    assert 60 <= len(agent.description) <= 300
    assert agent.category and agent.category != "agents"
    assert len(agent.capabilities) >= 5 and len(agent.tags) >= 10 and agent.tools
    assert agent.version and agent.author == "vibing2-lab"
    assert agent.performance_tier in TIERS
    assert agent.model == "inherit"  # tiers choose the model, not a fixed id
    assert agent.extra == {} and agent.notes == []
    assert agent.parse_mode == "simple"
    words = len(agent.system_prompt.split())
    assert 250 <= words <= 800, words
    assert "## " in agent.system_prompt and "Output conventions" in agent.system_prompt
    assert "```" in agent.system_prompt  # it tells the model how to fence code


def test_agents_that_write_files_name_them_with_title() -> None:
    writers = [a for a in BUNDLED if "Write" in a.tools]
    assert writers
    for agent in writers:
        assert "title=" in agent.system_prompt, agent.name


def test_tags_are_unique_per_agent() -> None:
    for agent in BUNDLED:
        assert len(agent.tags) == len(set(agent.tags)), agent.name
