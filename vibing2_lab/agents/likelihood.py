"""Query likelihood: how probable the request's words are under each agent's own language model.

BM25F (search.py) adds up the evidence of the words an agent shares with a request; it says
nothing about the words it lacks. A query-likelihood model with Dirichlet smoothing (Zhai &
Lafferty 2001) scores every request word, present or not, against the agent's text mixed with
the whole library's: an agent that covers more of what was asked wins over one that repeats one
matched word, and a long system prompt that happens to contain everything pays for its length.
Auto-selection adds this score to BM25F (select.py); plain search, whose queries are a few words
of a name, does not use it.

It is rank-equivalent to the textbook form, split so a query touches only the postings of its
words: log P(q|d) = sum over query terms of log(1 + tf(t,d) / (MU p(t|library))) (stored per
(term, agent) as postings) + |q| log(MU / (|d| + MU)) (one prior per agent, stored under the
empty term, which no word maps to). Parameters chosen on the dev collections only
(benchmarks/agent_eval.py).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Mapping

MU = 500.0  # Dirichlet prior: how many words of the library's model each agent's text is mixed with
# Term counts are weighted per field like BM25F (search.FIELDS), except the system prompt, whose
# many words would otherwise make every agent's model look like the library's.
BODY_WEIGHT = 0.2
PRIOR = ""  # the postings key of the per-agent length prior (text.term never returns "")
PARAMETERS = (MU, BODY_WEIGHT)

FieldCounts = Mapping[str, tuple[Counter[str], int]]  # field -> (term counts, length)


def postings(docs: list[FieldCounts], weights: Mapping[str, float]) -> dict[str, list[tuple[int, float]]]:
    """term -> [(agent index, log(1 + tf / (MU p(t|library))))], plus PRIOR -> [(agent, prior)].

    Each agent's prior is log(MU / (|d| + MU)) minus the largest such value, so it is 0 for the
    shortest agent and negative for longer ones (the shift is the same for every agent: the
    ranking does not change, and scores stay comparable with BM25F's)."""
    tfs: list[Counter[str]] = []
    for doc in docs:
        tf: Counter[str] = Counter()
        for name, (counts, _) in doc.items():
            w = BODY_WEIGHT if name == "body" else weights[name]
            for t, c in counts.items():
                tf[t] += w * c
        tfs.append(tf)
    library: Counter[str] = Counter()
    for tf in tfs:
        library.update(tf)
    total = sum(library.values()) or 1.0
    out: dict[str, list[tuple[int, float]]] = {}
    for i, tf in enumerate(tfs):
        for t, c in tf.items():
            out.setdefault(t, []).append((i, math.log(1.0 + c * total / (MU * library[t]))))
    priors = [math.log(MU / (sum(tf.values()) + MU)) for tf in tfs]
    top = max(priors, default=0.0)
    out[PRIOR] = [(i, p - top) for i, p in enumerate(priors)]
    return out

