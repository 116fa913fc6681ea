"""Auto-selection: choose the installed agent that best fits a prompt, and say why.

Nothing here knows any agent by name. The prompt (and, with less weight, context
such as the notebook's recent cells) is scored against every installed agent with
the same BM25F index as search, plus a query-likelihood score (likelihood.py) that
also counts the words an agent lacks; the best agent wins when its BM25F evidence
clears a threshold, otherwise `settings.default_agent` is used and the reasons say so.
The user's own agents (project, $VIBING2_LAB_AGENTS_PATH, <home>/agents) are preferred to
bundled ones: within USER_MARGIN (30 %) of a bundled agent's score, the user's agent ranks first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .parse import Agent
from .search import PICK_WEIGHTS, USER_MARGIN

if TYPE_CHECKING:
    from .registry import AgentRegistry
    from .search import Hit

THRESHOLD = 2.0  # below this the match is too weak to beat the configured default
CONTEXT_WEIGHT = 0.35  # a word in the recent cells counts about a third of one in the prompt
MAX_REASONS = 5
CANDIDATES = 5  # kept on the Pick for --explain and the model re-rank


@dataclass
class Pick:
    """The chosen agent, its score and the words (or the rule) that decided it."""

    agent: Agent
    score: float
    reasons: list[str] = field(default_factory=list)
    fallback: bool = False  # True when no agent scored and the default was used
    candidates: list[Hit] = field(default_factory=list)  # the best CANDIDATES hits, best first
    how: str = "local"  # local | model: which ranking decided

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: `agents pick --json` and the server use this shape."""
        return {"name": self.agent.name, "score": round(self.score, 3), "reasons": self.reasons,
                "fallback": self.fallback, "source": self.agent.source, "path": str(self.agent.path),
                "how": self.how}

    def explain(self) -> list[dict[str, object]]:
        """The candidates with their scores and why, for `agents pick --explain`."""
        return [{"rank": n, "name": hit.agent.name, "score": round(hit.score, 3), "source": hit.agent.source,
                 "why": why(hit)} for n, hit in enumerate(self.candidates, 1)]


def why(hit: Hit) -> list[str]:
    """The words (and fields) that scored for `hit`, strongest first."""
    ranked = sorted(hit.matched.items(), key=lambda kv: -kv[1][0])[:MAX_REASONS]
    return [f"'{word}' in {', '.join(where)} (+{points:.2f})" for word, (points, where) in ranked]


def rank(registry: AgentRegistry, prompt: str, *, context: str = "") -> list[Hit]:
    """Every agent that matches `prompt` (and, weaker, `context`), best first."""
    index = registry.index()
    query = index.query_terms(context, weight=CONTEXT_WEIGHT) if context else {}
    query.update(index.query_terms(prompt))  # a word in the prompt keeps its full weight
    return index.score(query, weights=PICK_WEIGHTS)


def pick(registry: AgentRegistry, prompt: str, *, context: str = "", default: str | None = None,
         threshold: float | None = None) -> Pick:
    """The best agent for `prompt`; below `threshold` the configured default, with the reason."""
    threshold = THRESHOLD if threshold is None else threshold
    hits = rank(registry, prompt, context=context)
    best = hits[0] if hits else None
    if best is not None and best.strength >= threshold:
        reasons = why(best)
        if len(hits) > 1:
            runner = hits[1]
            if runner.score >= best.score:  # only the user-agent margin put `best` first
                reasons.append(f"close to the bundled {runner.agent.name} ({runner.score:.2f}): your own "
                               f"agent ({best.agent.source}) wins within {USER_MARGIN:.0%} of a bundled one")
            reasons.append(f"runner-up: {runner.agent.name} ({runner.score:.2f})")
        return Pick(best.agent, best.score, reasons, candidates=hits[:CANDIDATES])
    fallback = _fallback(registry, hits, default, threshold)
    fallback.candidates = hits[:CANDIDATES]
    return fallback


def _fallback(registry: AgentRegistry, hits: list[Hit], default: str | None, threshold: float) -> Pick:
    where = "the `default` argument"
    if default is None:
        from ..config import load_settings

        default, where = load_settings().default_agent, "settings.default_agent"
    best = f"best: {hits[0].agent.name} at {hits[0].strength:.2f}" if hits else "no word matched any agent"
    why = f"no agent scored {threshold:.1f} or more ({best})"
    if default in registry:
        agent = registry.get(default)
        score = next((h.score for h in hits if h.agent is agent), 0.0)
        return Pick(agent, score, [f"{why}; using the default agent {default!r} from {where}"], fallback=True)
    # The configured default is not installed: the best weak match is still better than failing.
    agent = hits[0].agent if hits else registry.all()[0]
    score = hits[0].score if hits else 0.0
    return Pick(agent, score, [f"{why}; the default agent {default!r} from {where} is not installed, "
                               f"so using {agent.name!r}"], fallback=True)
