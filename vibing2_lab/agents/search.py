"""Ranked search over agents: BM25F over every field of an agent, as its author meant it.

Each field (fields.py) has its own weight and length normalisation (BM25F), so a word in
an agent's name, its description's first sentence or its example requests counts far
more than the same word deep in its system prompt. Terms are Snowball stems (text.py).
The per-(term, agent) contribution is computed once when the index is built, so a query
is a few dictionary lookups. Query words that match nothing are corrected against the
words of agent names (fuzzy.py, bounded), which makes `debuging` find
`debugging-specialist`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

from . import likelihood
from .fields import agent_fields
from .fuzzy import MAX_CORRECTIONS, Corrector, distance
from .parse import Agent
from .text import MAX_QUERY_WORDS, raw_words, stem, term, unique, words

__all__ = ["FIELDS", "Hit", "SearchIndex", "distance", "stem", "words"]

# weight, b (length normalisation) per field
FIELDS: dict[str, tuple[float, float]] = {
    "name": (5.0, 0.3),
    "lead": (3.0, 0.5),
    "examples": (2.5, 0.5),
    "tags": (3.0, 0.5),
    "capabilities": (2.0, 0.6),
    "category": (1.5, 0.2),
    "description": (0.75, 0.75),
    "contexts": (0.8, 0.75),
    "body": (0.35, 0.75),
}
# BM25F saturates each group of fields on its own: the short fields an author writes to say
# what the agent is for, and the system prompt, whose words are many and repeated. Summed into one
# group, a long prompt saturates a word before the description can count. (weight, k1) chosen on
# the dev collection only (benchmarks/agent_eval.py).
TOPIC = tuple(f for f in FIELDS if f != "body")
GROUPS: tuple[tuple[tuple[str, ...], float], ...] = ((TOPIC, 1.2), (("body",), 1.2))  # (fields, k1)
# (topic, body, query likelihood). How much the system prompt counts against the topic fields: a
# search query is a few words, most often (part of) a name, so the topic fields decide. A prompt
# is a request in the user's words, which the system prompt's long text matches far more often
# than a one-line description; and the request's words an agent lacks count too (likelihood.py).
SEARCH_WEIGHTS = (1.0, 1.0, 0.0)
PICK_WEIGHTS = (1.0, 1.5, 1.0)
FUZZY_DISCOUNT = 0.7  # a corrected word counts a bit less than an exact one
# Words nearly every request uses to ask for something ("build", "create", "help") say what the
# user wants done, not which specialist should do it: in a query they count this much.
REQUEST_WORDS = frozenset("build create implement add help app application project code set up our new".split())
REQUEST_WORD_WEIGHT = 0.5
EXACT_NAME_BONUS = 10.0
# The user's own agents are preferred to the bundled ones: a user agent's score counts 30 % more against a
# bundled agent's. A real install has both, and at 5 % the 14 generic bundled agents took 87 of 717 dev
# picks meant for the user's own agents; 30 % keeps 198 of 224 requests meant for a bundled agent on it
# (benchmarks/agent_eval_margin.py, dev only).
USER_MARGIN = 0.3


def _counts(text: str) -> tuple[Counter[str], int]:
    """Term counts of `text` and its length in terms (each distinct word stemmed once)."""
    counts: Counter[str] = Counter()
    for word, c in Counter(raw_words(text)).items():
        t = term(word)
        if t:
            counts[t] += c
    return counts, sum(counts.values())


@dataclass
class Hit:
    """One search result: the agent, its score and the points each query word brought."""

    agent: Agent
    score: float
    points: dict[str, float] = field(default_factory=dict)  # word as typed -> points
    where: Callable[[str], tuple[str, ...]] | None = field(default=None, repr=False)  # word -> fields
    evidence: float | None = None  # the BM25F part of `score` (None: all of it), which pick's threshold reads

    @property
    def strength(self) -> float:
        """How strongly the agent's fields matched: the score without the query-likelihood part,
        which ranks the candidates but is no evidence on its own (it rewards short agents)."""
        return self.score if self.evidence is None else self.evidence

    @property
    def matched(self) -> dict[str, tuple[float, tuple[str, ...]]]:
        """word -> (points, the fields it matched in); the fields are looked up only when asked."""
        return {w: (p, self.where(w) if self.where else ()) for w, p in self.points.items()}


class Postings:
    """term -> [(agent index, points)] for one group of fields, stored packed (int32 + float64
    bytes) and unpacked per term on first use: a query touches a few terms of thousands."""

    def __init__(self, raw: dict[str, tuple[bytes, bytes]], count: int) -> None:
        self.raw = raw
        self._count = count
        self._memo: dict[str, list[tuple[int, float]]] = {}

    @classmethod
    def pack(cls, postings: dict[str, list[tuple[int, float]]], count: int) -> Postings:
        from array import array

        return cls({t: (array("i", [i for i, _ in entries]).tobytes(), array("d", [p for _, p in entries]).tobytes())
                    for t, entries in postings.items()}, count)

    def get(self, term: str) -> list[tuple[int, float]]:
        entries = self._memo.get(term)
        if entries is None:
            from array import array

            pair = self.raw.get(term)
            if pair is None:
                return []
            ids, points = array("i"), array("d")
            ids.frombytes(pair[0])
            points.frombytes(pair[1])
            ok = len(ids) == len(points) and all(0 <= i < self._count for i in ids)
            entries = self._memo[term] = list(zip(ids, points)) if ok else []  # a damaged cache entry: no match
        return entries

    def terms(self) -> set[str]:
        return set(self.raw)


def rank_key(hit: Hit) -> tuple[float, bool, str]:
    """Best first; the user's own agents (any source but bundled) win within USER_MARGIN of a bundled one."""
    user = hit.agent.source != "bundled"
    return (-hit.score * (1.0 + USER_MARGIN if user else 1.0), not user, hit.agent.name)


Query = dict[str, tuple[float, str]]  # term -> (query weight, the word as typed)


class SearchIndex:
    """A BM25F index over a fixed list of agents (two groups of fields, each saturated on its own),
    plus each agent's query-likelihood postings (likelihood.py)."""

    def __init__(self, agents: Iterable[Agent], *, cached: bool = False) -> None:
        """`cached`: reuse (and keep) the index on disk (index_cache.py) while no file changed."""
        self.agents = list(agents)
        self._names = {a.name.lower(): i for i, a in enumerate(self.agents)}
        # per group: term -> [(agent index, points)], points = idf * saturated field-weighted tf
        self.groups: list[Postings] = []  # GROUPS, then the query-likelihood postings
        self._prior: list[float] | None = None  # agent -> likelihood.PRIOR, unpacked on first use
        self._fields: dict[int, dict[str, Counter[str]]] = {}  # agent -> field -> term counts (for reasons)
        if cached:
            from . import index_cache

            digest = index_cache.key(self.agents, (FIELDS, GROUPS, likelihood.PARAMETERS))
            raw = index_cache.load(digest)
            if raw is not None and len(raw) == len(GROUPS) + 1:
                self.groups = [Postings(r, len(self.agents)) for r in raw]
            else:
                self._build()
                index_cache.save(digest, [g.raw for g in self.groups])
        else:
            self._build()
        self.postings = set().union(*(g.terms() for g in self.groups[:len(GROUPS)]))  # every known term
        self._name_words = {w: stem(w) for a in self.agents for w in raw_words(a.name)}
        self._corrector = Corrector(self._name_words)

    def _build(self) -> None:
        per_doc = [{f: _counts(text) for f, text in agent_fields(a).items()} for a in self.agents]
        self._fields = {i: {f: counts for f, (counts, _) in doc.items()} for i, doc in enumerate(per_doc)}
        n = len(per_doc) or 1
        avg = {f: (sum(d[f][1] for d in per_doc) / n) or 1.0 for f in FIELDS}
        for fields, k1 in GROUPS:
            values: list[dict[str, float]] = []
            df: Counter[str] = Counter()
            for doc in per_doc:
                value: dict[str, float] = {}
                for fname in fields:
                    counts, length = doc[fname]
                    if not counts:
                        continue
                    weight, b = FIELDS[fname]
                    scale = weight / (1.0 - b + b * length / avg[fname])  # BM25F: per-field length norm
                    for t, c in counts.items():
                        value[t] = value.get(t, 0.0) + c * scale
                df.update(value.keys())
                values.append(value)
            idf = {t: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
            postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
            for i, value in enumerate(values):
                for t, v in value.items():
                    postings[t].append((i, idf[t] * v * (k1 + 1) / (v + k1)))
            self.groups.append(Postings.pack(postings, n))
        weights = {f: w for f, (w, _) in FIELDS.items()}
        self.groups.append(Postings.pack(likelihood.postings(per_doc, weights), n))

    def _where(self, i: int, terms_of: dict[str, str]) -> Callable[[str], tuple[str, ...]]:
        """word -> the fields of agent `i` it matched in (`terms_of`: the query's word -> term)."""

        def where(word: str) -> tuple[str, ...]:
            fields = self._fields.get(i)
            if fields is None:  # a cached index: count this agent's fields now (only for reasons shown)
                fields = self._fields[i] = {f: _counts(text)[0] for f, text in agent_fields(self.agents[i]).items()}
            return tuple(f for f in FIELDS if terms_of.get(word, "") in fields[f])

        return where

    def correct(self, word: str) -> str | None:
        """The closest word of an agent name within the typo budget, if any."""
        return self._corrector.correct(word)

    def query_terms(self, text: str, *, weight: float = 1.0) -> Query:
        """term -> (query weight, the word as typed); unknown words corrected against names (bounded)."""
        out: Query = {}
        corrections = 0
        for word in unique(words(text), MAX_QUERY_WORDS):
            t, w = term(word), weight * (REQUEST_WORD_WEIGHT if word in REQUEST_WORDS else 1.0)
            if t not in self.postings:
                fixed = self.correct(word) if corrections < MAX_CORRECTIONS else None
                corrections += 1
                if fixed is None:
                    continue
                t, w = self._name_words[fixed], weight * FUZZY_DISCOUNT
            if t not in out or out[t][0] < w:
                out[t] = (w, word)
        return out

    def score(self, query: Query, *, weights: tuple[float, float, float] = SEARCH_WEIGHTS) -> list[Hit]:
        """Every agent that matched at least one term, best first (`weights`: topic, body, likelihood)."""
        evidence: dict[int, float] = defaultdict(float)
        model: dict[int, float] = defaultdict(float)  # the query-likelihood part
        points: dict[int, dict[str, float]] = defaultdict(dict)
        likelihood_group = len(GROUPS)
        for t, (w, word) in query.items():
            for g, (group, gw) in enumerate(zip(self.groups, weights)):
                if not gw:
                    continue
                into, scale = (model if g == likelihood_group else evidence), w * gw
                for i, p in group.get(t):
                    p *= scale
                    into[i] += p
                    mine = points[i]
                    mine[word] = mine.get(word, 0.0) + p
        terms_of = {word: t for t, (_, word) in query.items()}  # one map for every hit's reasons
        where, agents = self._where, self.agents
        if not model:
            hits = [Hit(agents[i], s, points[i], where(i, terms_of)) for i, s in evidence.items()]
            return sorted(hits, key=rank_key)
        # the likelihood's length prior counts every query word, matched or not
        prior, words = self.prior(), sum(w for w, _ in query.values())
        base = weights[2] * words
        hits = [Hit(agents[i], max(0.0, s + model[i] + base * prior[i]), points[i], where(i, terms_of), evidence=s)
                for i, s in evidence.items()]
        return sorted(hits, key=rank_key)

    def prior(self) -> list[float]:
        """Each agent's query-likelihood length prior (0 for the shortest agent, negative for longer)."""
        if self._prior is None:
            prior = [0.0] * len(self.agents)
            for i, p in self.groups[len(GROUPS)].get(likelihood.PRIOR) if len(self.groups) > len(GROUPS) else ():
                prior[i] = p
            self._prior = prior
        return self._prior

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
            hits.sort(key=rank_key)
        return hits[:limit]
