"""The optional model re-rank of auto-selection: the fast-tier model reads the local top 5.

`auto: model` in config.yaml, or `--auto=model`, asks for it. The local ranking (select.py)
stays the default and the fallback: the model only reorders its candidates, and any answer
that is not one line of JSON naming one of them (or a failed call) keeps the local pick, with
the reason. The call goes through the same Call/provider path as every answer, so it is
recorded in the notebook and replays exactly.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from .parse import Agent

if TYPE_CHECKING:
    from .select import Pick

MODES = ("local", "model")
MAX_REQUEST_CHARS = 4_000  # of the user's prompt shown to the model: enough to route it
MAX_REASON_CHARS = 200
MAX_ANSWER_CHARS = 4_000  # a longer answer is not the one line asked for
MAX_TOKENS = 150

SYSTEM = """You route a user's request to the specialist agent best suited to answer it.
You get the request and up to five candidate agents, already ranked by keyword search.
Choose exactly one candidate. Answer with one line of JSON and nothing else:
{"agent": "<candidate name>", "reason": "<one short sentence>"}"""

_JSON = re.compile(r"\{.*?\}", re.S)


@lru_cache(maxsize=1)
def router() -> Agent:
    """The agent that stands for the re-rank call in records and replay (its sha256 is its prompt's)."""
    return Agent(name="(auto-select)", description="re-ranks auto-selection's candidates", system_prompt=SYSTEM,
                 source="none", sha256=hashlib.sha256(SYSTEM.encode("utf-8")).hexdigest())


def request_text(prompt: str, pick: Pick) -> str:
    """The user turn of the re-rank call: the request, then the candidates with one line each."""
    lines = ["Request:", prompt[:MAX_REQUEST_CHARS], "", "Candidates (keyword ranking, best first):"]
    for n, hit in enumerate(pick.candidates, 1):
        description = " ".join(hit.agent.description.split())[:300]
        lines.append(f"{n}. {hit.agent.name}: {description}")
    return "\n".join(lines)


def choose(pick: Pick, answer: str, *, model: str) -> Pick:
    """The pick the model's answer asks for, or the local pick with the reason the answer was ignored."""
    try:
        name, reason = _parse(answer, [hit.agent.name for hit in pick.candidates])
    except ValueError as exc:
        return kept(pick, f"the model's answer was ignored ({exc})")
    hit = next(h for h in pick.candidates if h.agent.name == name)
    local = f"local ranking: {pick.candidates[0].agent.name} first" + (
        "" if hit is pick.candidates[0] else f", {name} #{pick.candidates.index(hit) + 1}")
    return replace(pick, agent=hit.agent, score=hit.score, fallback=False, how="model",
                   reasons=[f"{model}: {reason}", local])


def kept(pick: Pick, why: str) -> Pick:
    """The local pick, saying why the model did not re-rank it."""
    return replace(pick, reasons=[*pick.reasons, f"model re-rank: {why}; the local ranking decided"])


def _parse(answer: str, names: list[str]) -> tuple[str, str]:
    if len(answer) > MAX_ANSWER_CHARS:
        raise ValueError(f"{len(answer):,} characters, not one line")
    match = _JSON.search(answer)
    if match is None:
        raise ValueError("no JSON object in it")
    try:
        data = json.loads(match.group())
    except ValueError:
        raise ValueError("not valid JSON") from None
    name = data.get("agent") if isinstance(data, dict) else None
    if not isinstance(name, str) or name.strip() not in names:
        raise ValueError(f"{str(name)[:60]!r} is not one of the candidates")
    reason = data.get("reason")
    reason = " ".join(reason.split())[:MAX_REASON_CHARS] if isinstance(reason, str) and reason.strip() else "-"
    return name.strip(), reason


def rerank(pick: Pick, prompt: str, *, ask_model: Callable[[Agent, str], tuple[str | None, str]]) -> Pick:
    """Re-rank `pick`'s candidates with `ask_model(router(), text) -> (answer or None, model or why)`.

    Only a confident local pick with at least two candidates is worth a model call."""
    if pick.fallback or len(pick.candidates) < 2:
        return pick
    answer, model = ask_model(router(), request_text(prompt, pick))
    if answer is None:
        return kept(pick, model)
    return choose(pick, answer, model=model)
