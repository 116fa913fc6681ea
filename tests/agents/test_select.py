"""Auto-selection: realistic prompts pick the expected bundled agent, with the deciding words."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from vibing2_lab.agents import AgentRegistry
from vibing2_lab.agents.select import THRESHOLD

PROMPTS = [
    ("Build me a todo app with local storage and a dark theme", "fullstack-developer"),
    ("Create a landing page for my bakery with a contact form", "fullstack-developer"),
    ("Make a snake game in the browser", "fullstack-developer"),
    ("I get KeyError: 'date' when I run the cell above, why?", "debugging-specialist"),
    ("My function crashes with TypeError: unsupported operand type(s) for +: 'int' and 'str'", "debugging-specialist"),
    ("Write pytest tests for the parse_invoice function, including edge cases", "testing-expert"),
    ("My test suite is flaky in CI, sometimes tests fail randomly", "testing-expert"),
    ("This loop over 2 million rows is really slow, how can I speed it up?", "performance-optimizer"),
    ("Profile this function and reduce its memory usage", "performance-optimizer"),
    ("Improve the layout and colors of this page and make it accessible", "ui-ux-designer"),
    ("Design a modern dashboard UI with a sidebar, dark mode and nice typography", "ui-ux-designer"),
    ("Create a REST API with FastAPI for managing users with JWT authentication", "backend-api-developer"),
    ("Add a webhook endpoint to my Flask server", "backend-api-developer"),
    ("Design the database schema for an online store: customers, orders, products", "database-architect"),
    ("Which indexes and foreign keys should my Postgres tables have?", "database-architect"),
    ("Write a Dockerfile and a GitHub Actions pipeline to deploy this app", "devops-engineer"),
    ("How do I deploy my model API to Kubernetes?", "devops-engineer"),
    ("Load sales.csv with pandas, clean missing values and summarize revenue by region", "data-analyst"),
    ("Do an exploratory analysis of this dataframe", "data-analyst"),
    ("Plot a histogram of ages and a scatter plot of income vs spend with seaborn", "visualization-expert"),
    ("Make an interactive chart of monthly revenue with plotly", "visualization-expert"),
    ("Train a classifier to predict churn and evaluate it with cross-validation", "ml-engineer"),
    ("Fine-tune a PyTorch model on my images", "ml-engineer"),
    ("Write a SQL query with a window function to rank customers by spend each month", "sql-expert"),
    ("Why is this query slow? Here is the EXPLAIN output", "sql-expert"),
    ("Explain what a list comprehension is, I'm a beginner", "notebook-tutor"),
    ("What does %timeit do in Jupyter?", "notebook-tutor"),
    ("Review this pull request for security issues and readability", "code-reviewer"),
    ("Can you review my code and suggest refactoring?", "code-reviewer"),
]


@pytest.fixture(scope="module")
def bundled() -> AgentRegistry:
    return AgentRegistry.load()


@pytest.mark.parametrize(("prompt", "expected"), PROMPTS, ids=[p[:40] for p, _ in PROMPTS])
def test_prompt_picks_the_expected_agent(bundled: AgentRegistry, prompt: str, expected: str) -> None:
    pick = bundled.pick(prompt, default="notebook-tutor" if expected != "notebook-tutor" else "code-reviewer")
    assert pick.agent.name == expected, pick.reasons
    assert not pick.fallback
    assert pick.score >= THRESHOLD
    # The reasons name words that really are in the prompt.
    decided = pick.reasons[0].split("'")[1]
    assert decided in prompt.lower(), pick.reasons


def test_every_bundled_agent_is_reachable(bundled: AgentRegistry) -> None:
    assert {expected for _, expected in PROMPTS} == {a.name for a in bundled.all()}


def test_reasons_name_the_words_fields_and_runner_up(bundled: AgentRegistry) -> None:
    pick = bundled.pick("Write a SQL query with a window function")
    assert any(r.startswith("'sql' in name, lead, tags") for r in pick.reasons), pick.reasons
    assert pick.reasons[-1].startswith("runner-up: ")


@pytest.mark.parametrize("prompt", ["hello", "thanks!", "what's up?", ""])
def test_nothing_scores_so_the_configured_default_is_used(bundled: AgentRegistry, vibe_home: Path, prompt: str) -> None:
    (vibe_home / "config.yaml").write_text("default_agent: notebook-tutor\n", encoding="utf-8")
    pick = bundled.pick(prompt)
    assert pick.agent.name == "notebook-tutor" and pick.fallback
    assert pick.reasons == ["no agent scored 2.0 or more (no word matched any agent); "
                            "using the default agent 'notebook-tutor' from settings.default_agent"]


def test_without_config_the_default_is_settings_default_agent(bundled: AgentRegistry) -> None:
    from vibing2_lab.config import load_settings

    assert bundled.pick("hello").agent.name == load_settings().default_agent


def test_a_weak_match_names_the_best_candidate(bundled: AgentRegistry) -> None:
    pick = bundled.pick("performance", threshold=100.0, default="notebook-tutor")
    assert pick.fallback and pick.agent.name == "notebook-tutor"
    assert "(best: performance-optimizer at " in pick.reasons[0]
    assert "from the `default` argument" in pick.reasons[0]


def test_a_default_that_is_not_installed_still_gives_an_agent(bundled: AgentRegistry) -> None:
    pick = bundled.pick("make it faster", threshold=100.0, default="no-such-agent")
    assert pick.agent.name == "performance-optimizer"
    assert "'no-such-agent' from the `default` argument is not installed" in pick.reasons[0]


def test_context_from_recent_cells_decides_an_ambiguous_prompt(bundled: AgentRegistry) -> None:
    prompt = "Now make it better"
    cells = "import pandas as pd\ndf = pd.read_csv('sales.csv')\ndf.groupby('region').revenue.sum()"
    assert bundled.pick(prompt, default="notebook-tutor").fallback
    pick = bundled.pick(prompt, context=cells, default="notebook-tutor")
    assert pick.agent.name == "data-analyst" and not pick.fallback
    plot_cells = "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.scatter(x, y)  # plot"
    assert bundled.pick("Now make it better", context=plot_cells + " seaborn heatmap").agent.name == "visualization-expert"


def test_the_prompt_outweighs_the_context(bundled: AgentRegistry) -> None:
    cells = "import pandas as pd\ndf = pd.read_csv('sales.csv')\ndf.describe()"
    assert bundled.pick("Write a Dockerfile to deploy this", context=cells).agent.name == "devops-engineer"


def test_any_installed_agent_can_be_picked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           write_agent: Callable[..., Path]) -> None:
    write_agent(tmp_path, "haiku.md", "haiku-poet", description="Writes haiku and short poems about code.",
                tags="[poetry, haiku, poem, verse]")
    write_agent(tmp_path, "geo.md", "geospatial-analyst",
                description="Maps, shapefiles, GeoPandas, coordinate reference systems and spatial joins.",
                tags="[gis, geopandas, shapefile, crs, spatial]")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(tmp_path))
    registry = AgentRegistry.load()
    assert registry.pick("Write a poem about my failing build").agent.name == "haiku-poet"
    assert registry.pick("Reproject this shapefile to another CRS with geopandas").agent.name == "geospatial-analyst"


def test_pick_to_dict_is_json_ready(bundled: AgentRegistry) -> None:
    import json

    data = bundled.pick("Plot a histogram").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["name"] == "visualization-expert" and data["score"] > 0 and data["reasons"]


def test_an_empty_registry_cannot_pick() -> None:
    from vibing2_lab.errors import AgentError

    with pytest.raises(AgentError, match="No agents are installed"):
        AgentRegistry([]).pick("anything")
