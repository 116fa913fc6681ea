"""Typo tolerance on agent-name words: a deletion index (SymSpell-style) with hard bounds.

A query word that matches no index term is corrected to the closest word of an agent's
name within edit distance 1 (short words) or 2. The cost of one correction is bounded by
MAX_FUZZY_WORD (the deletion variants of a word grow with the square of its length) and a
query corrects at most MAX_CORRECTIONS words, so a hostile query costs microseconds, not
seconds (issue 11, D3).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

MIN_FUZZY_WORD = 4
MAX_FUZZY_WORD = 24  # longer than any agent-name word people mistype
MAX_CORRECTIONS = 16  # words corrected per query; the rest must match exactly


def depth(word: str) -> int:
    """The typo budget for a word: 1 edit up to 5 letters, 2 above."""
    return 1 if len(word) <= 5 else 2


def edits(word: str, n: int) -> set[str]:
    """`word` and every string made from it by deleting up to `n` letters."""
    out = {word}
    frontier = {word}
    for _ in range(n):
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


class Corrector:
    """The words of agent names, indexed by their deletion variants (built lazily on first typo)."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._words = sorted({w for w in vocabulary if MIN_FUZZY_WORD <= len(w) <= MAX_FUZZY_WORD})
        self._variants: dict[str, set[str]] | None = None

    def _index(self) -> dict[str, set[str]]:
        if self._variants is None:
            variants: dict[str, set[str]] = defaultdict(set)
            for word in self._words:
                for variant in edits(word, depth(word)):
                    variants[variant].add(word)
            self._variants = dict(variants)
        return self._variants

    def correct(self, word: str) -> str | None:
        """The closest vocabulary word within the typo budget, if any."""
        if not MIN_FUZZY_WORD <= len(word) <= MAX_FUZZY_WORD or not self._words:
            return None
        variants = self._index()
        candidates: set[str] = set()
        for variant in edits(word, depth(word)):
            candidates |= variants.get(variant, set())
        best: tuple[int, str] | None = None
        for cand in candidates:
            d = distance(word, cand, limit=3)
            if d <= depth(word) and (best is None or (d, cand) < best):
                best = (d, cand)
        return best[1] if best else None
