"""Code in Markdown text as CommonMark renderers find it: code spans within a line, and the
offsets of all code (fenced blocks, with fences.py, and spans) in a text. Shared by the
escaping of raw HTML (render.py) and of link targets (md_links.py): neither touches code."""

from __future__ import annotations

import re

from .. import fences

_BACKTICK_RUN = re.compile(r"`+")


def code_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each code span of a line, as CommonMark (marked, JupyterLab) finds them: a run
    of n backticks opens one that only a run of exactly n closes, and an escaped backtick opens
    none. One pass over the runs: a regex with a backreference took minutes on 20 KB of backtick
    runs of growing length, and one that let ``x` or \\`x` be a span left the HTML in them raw
    (an escaped opener is taken as no span here even where CommonMark opens one with the rest of
    the run: that only shows a `&lt;` in code, never leaves a tag raw)."""
    # (start, end, length, opens) of each run; after an odd number of backslashes a run opens no
    # span (its first backtick is literal) but still closes one (in code a backslash is just text).
    runs = [(m.start(), m.end(), m.end() - m.start(), _backslashes_before(line, m.start()) % 2 == 0)
            for m in _BACKTICK_RUN.finditer(line)]
    following: dict[int, list[int]] = {}  # run length -> indexes of the runs of that length, in order
    for i, (_, _, length, _) in enumerate(runs):
        following.setdefault(length, []).append(i)
    spans, i, used = [], 0, {length: 0 for length in following}
    while i < len(runs):
        start, _, length, opens = runs[i]
        same = following[length]
        while used[length] < len(same) and same[used[length]] <= i:
            used[length] += 1
        if not opens or used[length] == len(same):
            i += 1  # escaped, or no later run of this length closes it: its backticks are literal
            continue
        close = same[used[length]]
        spans.append((start, runs[close][1]))
        i = close + 1
    return spans


def _backslashes_before(line: str, at: int) -> int:
    """How many backslashes end `line[:at]` (each is counted by the one run it precedes)."""
    n = at
    while n > 0 and line[n - 1] == "\\":
        n -= 1
    return at - n


def code_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the code in `text`, in order: fenced blocks' lines (fences
    included) and code spans."""
    ranges, offset = [], 0
    for line in fences.scan(text):
        end = offset + len(line.text)
        if line.kind != "text":
            ranges.append((offset, end + 1))
        else:
            ranges += [(offset + a, offset + b) for a, b in code_spans(line.text)]
        offset = end + 1
    return ranges
