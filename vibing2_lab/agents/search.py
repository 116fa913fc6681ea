"""Ranked search over agents: BM25F over name, tags, capabilities, description and body.

Each field has its own weight and length normalisation (BM25F), so a word in an
agent's name or tags counts far more than the same word deep in its system prompt.
The per-(term, agent) contribution is computed once when the index is built, so a
query is a few dictionary lookups. Query words that match nothing are corrected
against the words of agent names (edit distance ≤ 2 via a deletion index), which
makes `debuging` find `debugging-specialist`.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from .parse import Agent

# weight, b (length normalisation) per field
FIELDS: dict[str, tuple[float, float]] = {
    "name": (5.0, 0.3),
    "tags": (3.0, 0.5),
    "capabilities": (2.0, 0.6),
    "category": (1.5, 0.2),
    "description": (1.5, 0.75),
    "body": (0.35, 0.75),
}
K1 = 1.2
FUZZY_DISCOUNT = 0.7  # a corrected word counts a bit less than an exact one
EXACT_NAME_BONUS = 10.0

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing done down during each either else etc
few for from further get gets getting give given go goes going got had has have having he her
here hers him his how i if in into is it its itself just kind let lets like make makes making may
me might mine more most much must my need needs no nor not now of off on once one only or other
our ours out over own please put quite rather really same shall she should so some something such
than that the their them then there these they thing things this those through to too under until
up upon us use used using very via want wants was way we well were what when where which while
who whom why will with within without would yes yet you your yours
""".split())

_WORD = re.compile(r"[a-z0-9]+(?:[+#]+)?")
_SUFFIXES = ("izations", "ization", "isation", "ational", "ations", "ation", "ements", "ement",
             "ments", "ment", "ness", "izing", "ising", "ized", "ised", "izer", "iser", "ize",
             "ise", "ing", "ity", "ers", "er", "ed", "ly")
_ANALY = ("ysis", "ysts", "yst", "yze", "yzed", "yzing", "ytics", "ytic", "ytical")


def stem(word: str) -> str:
    """A light suffix stripper: tests/testing/tester → test, optimize/optimization → optim."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix in _ANALY:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + "y"
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # debugging → debugg → debug
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]  # style/styles/styled/styling → styl
    return word


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, stop words removed (not stemmed)."""
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


_STEMS: dict[str, str] = {}  # memo: agent texts repeat the same words over and over


def _term(word: str) -> str:
    """The index term for a lower-cased word ("" for a stop word)."""
    t = _STEMS.get(word)
    if t is None:
        t = _STEMS[word] = "" if word in STOPWORDS or len(word) < 2 else stem(word)
    return t


def terms(text: str) -> list[str]:
    """Stemmed index terms of `text`."""
    return [t for t in map(_term, _WORD.findall(text.lower())) if t]


def _counts(text: str) -> tuple[Counter[str], int]:
    """Term counts of `text` and its length in terms (each distinct word stemmed once)."""
    counts: Counter[str] = Counter()
    for word, c in Counter(_WORD.findall(text.lower())).items():
        t = _term(word)
        if t:
            counts[t] += c
    return counts, sum(counts.values())


@dataclass
class Hit:
    """One search result: the agent, its score and, per matched term, the fields it matched in."""

    agent: Agent
    score: float
    matched: dict[str, tuple[float, tuple[str, ...]]] = field(default_factory=dict)  # word -> (points, fields)


def _edits(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment edit distance (a transposition counts once), capped at `limit`."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) >= limit:
            return limit
        prev2, prev = prev, row
    return min(prev[-1], limit)


class SearchIndex:
    """A BM25F index over a fixed list of agents."""

    def __init__(self, agents: Iterable[Agent]) -> None:
        self.agents = list(agents)
        self._names = {a.name.lower(): i for i, a in enumerate(self.agents)}
        self.postings: dict[str, list[tuple[int, float, tuple[str, ...]]]] = {}
        self._build()
        self._fuzzy: dict[str, set[str]] = defaultdict(set)  # deletion variant -> name words
        self._name_words: dict[str, str] = {}  # raw name word -> its term
        for agent in self.agents:
            for word in _WORD.findall(agent.name.lower()):
                if len(word) >= 4 and word not in self._name_words:
                    self._name_words[word] = stem(word)
                    for variant in _edits(word, self._depth(word)):
                        self._fuzzy[variant].add(word)

    @staticmethod
    def _depth(word: str) -> int:
        return 1 if len(word) <= 5 else 2

    @staticmethod
    def _texts(agent: Agent) -> dict[str, str]:
        return {"name": agent.name, "tags": " ".join(agent.tags), "capabilities": " ".join(agent.capabilities),
                "category": agent.category, "description": agent.description, "body": agent.system_prompt}

    def _build(self) -> None:
        per_doc = [{f: _counts(text) for f, text in self._texts(a).items()} for a in self.agents]
        n = len(per_doc) or 1
        avg = {f: (sum(d[f][1] for d in per_doc) / n) or 1.0 for f in FIELDS}
        df: Counter[str] = Counter()
        weighted: list[tuple[dict[str, float], dict[str, list[str]]]] = []
        for doc in per_doc:
            value: dict[str, float] = defaultdict(float)
            where: dict[str, list[str]] = defaultdict(list)
            for fname, (counts, length) in doc.items():
                weight, b = FIELDS[fname]
                scale = weight / (1.0 - b + b * length / avg[fname])  # BM25F: per-field length norm
                for t, c in counts.items():
                    value[t] += c * scale
                    where[t].append(fname)
            df.update(value.keys())
            weighted.append((value, where))
        idf = {t: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        postings: dict[str, list[tuple[int, float, tuple[str, ...]]]] = defaultdict(list)
        for i, (value, where) in enumerate(weighted):
            for t, v in value.items():
                postings[t].append((i, idf[t] * v * (K1 + 1) / (v + K1), tuple(where[t])))
        self.postings = dict(postings)

    def correct(self, word: str) -> str | None:
        """The closest word of an agent name within the typo budget, if any."""
        if len(word) < 4:
            return None
        candidates = set()
        for variant in _edits(word, self._depth(word)):
            candidates |= self._fuzzy.get(variant, set())
        best: tuple[int, str] | None = None
        for cand in candidates:
            d = distance(word, cand, limit=3)
            if d <= self._depth(word) and (best is None or (d, cand) < best):
                best = (d, cand)
        return best[1] if best else None

    def query_terms(self, text: str, *, weight: float = 1.0) -> dict[str, tuple[float, str]]:
        """term -> (query weight, the word as typed); unknown words corrected against names."""
        out: dict[str, tuple[float, str]] = {}
        for word in words(text):
            term, w = stem(word), weight
            if term not in self.postings:
                fixed = self.correct(word)
                if fixed is None:
                    continue
                term, w = self._name_words[fixed], weight * FUZZY_DISCOUNT
            if term not in out or out[term][0] < w:
                out[term] = (w, word)
        return out

    def score(self, query: dict[str, tuple[float, str]]) -> list[Hit]:
        """Every agent that matched at least one term, best first."""
        hits: dict[int, Hit] = {}
        for term, (w, word) in query.items():
            for i, points, where in self.postings.get(term, ()):
                hit = hits.get(i)
                if hit is None:
                    hit = hits[i] = Hit(self.agents[i], 0.0)
                hit.score += w * points
                hit.matched[word] = (w * points, where)
        return sorted(hits.values(), key=lambda h: (-h.score, h.agent.name))

    def search(self, query: str, *, limit: int = 10) -> list[Hit]:
        """The `limit` best agents for a search query."""
        hits = self.score(self.query_terms(query))
        exact = self._names.get(query.strip().lower())
        if exact is not None:
            agent = self.agents[exact]
            top = next((h for h in hits if h.agent is agent), None)
            if top is None:
                top = Hit(agent, 0.0)
                hits.append(top)
            top.score += EXACT_NAME_BONUS
            hits.sort(key=lambda h: (-h.score, h.agent.name))
        return hits[:limit]
