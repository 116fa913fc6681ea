"""Words and index terms: tokenizing, stop words and a real stemmer (Snowball English, via PyStemmer).

Every input is bounded here, once, so nothing from outside can make the ranking slow:
a "word" longer than MAX_WORD letters is no word anyone searches for (the longest English
and technical words are far shorter) and is dropped, and a query keeps at most
MAX_QUERY_WORDS distinct words.
"""

from __future__ import annotations

import re
from typing import Iterable

MAX_WORD = 40  # letters; longer tokens (hashes, base64, a pasted 1 MB "word") are not words
MAX_QUERY_WORDS = 2_000  # distinct words kept from one query (a long prompt's first ones)
MAX_INPUT_BYTES = 200_000  # a search query, prompt or context; the same default as max_prompt_bytes

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

_VOWEL = re.compile("[aeiouy]")
_STEMMER = None
_STEMS: dict[str, str] = {}  # memo: agent texts repeat the same words over and over


def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem: tests/testing → test, optimize/optimization → optim."""
    global _STEMMER
    if _STEMMER is None:
        import Stemmer  # PyStemmer: libstemmer in C, ~1 µs a word

        _STEMMER = Stemmer.Stemmer("english")
    if not word.isalpha():  # c++, c#, k8s, s3: keep as typed
        return word
    if word[-1] == "s" and len(word) > 3 and not word.endswith("ss") and not _VOWEL.search(word[:-1]):
        return word[:-1]  # acronym plurals Snowball keeps: llms → llm, dbs → db (css stays)
    return _STEMMER.stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, stop words and non-words removed (not stemmed)."""
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and 1 < len(w) <= MAX_WORD]


def term(word: str) -> str:
    """The index term for a lower-cased word ("" for a stop word or a non-word)."""
    t = _STEMS.get(word)
    if t is None:
        t = "" if word in STOPWORDS or not 1 < len(word) <= MAX_WORD else stem(word)
        if len(_STEMS) < 200_000:  # the memo must not grow without bound on hostile input
            _STEMS[word] = t
    return t


def terms(text: str) -> list[str]:
    """Stemmed index terms of `text`, in order."""
    return [t for t in map(term, _WORD.findall(text.lower())) if t]


def raw_words(text: str) -> list[str]:
    """Every lower-cased token of `text`, unfiltered (callers count and stem them once each)."""
    return _WORD.findall(text.lower())


def check_size(text: str, what: str, limit: int = MAX_INPUT_BYTES) -> None:
    """InputError when `text` is larger than `limit` bytes of UTF-8 (like a prompt)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        from ..errors import InputError

        raise InputError(f"The {what} is {size:,} bytes, more than max_prompt_bytes ({limit:,}).",
                         hint="Shorten it, or raise max_prompt_bytes in config.yaml.")


def first_sentence(text: str) -> str:
    """The first sentence of a description: what its author put first is what the agent is for."""
    flat = " ".join(text.split())
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z<])", flat)
    return flat[: match.start()] if match else flat


def unique(items: Iterable[str], limit: int) -> list[str]:
    """The first `limit` distinct items, in order."""
    seen: dict[str, None] = {}
    for item in items:
        if item not in seen:
            seen[item] = None
            if len(seen) >= limit:
                break
    return list(seen)
