"""Link targets a browser would run, made inert in the saved text/markdown of an answer.

GitHub, nbviewer and JupyterLab render that Markdown without our sandbox (JupyterLab does not
sanitize the outputs of cells it ran), so `[click](javascript:...)` there is a live link on the
Jupyter origin. A link or image (`](`) or a reference definition (`]:`) whose target starts with
`javascript:`, `vbscript:` or `data:` gets its `(` or `:` escaped with a backslash: no link
forms, and the text reads as the model wrote it (`\\(` and `\\:` render as `(` and `:`).

The target is read as a renderer and then a browser would read it: HTML character references
decoded (`&#58;`, `&colon;`, leading zeros), backslash escapes dropped, and whitespace, control
characters and `<` skipped. That is more than any one renderer does: a target flagged that a
renderer would not have linked loses nothing (the escape is invisible). Each scan stops at the
first character no scheme holds, so a line of a million `](` stays linear. Code (fenced blocks
and code spans, as md_code.py finds them) is left alone: nothing in it is a link.
"""

from __future__ import annotations

import re
from html.entities import html5
from typing import Iterator

from .md_code import code_ranges

_OPENER = re.compile(r"\](?=[(:])")
_PIECE = re.compile(r"&#[xX]0*([0-9a-fA-F]{1,8});?|&#0*([0-9]{1,10});?|&([A-Za-z][A-Za-z0-9]{0,31};)|\\(.)|(.)",
                    re.S)
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+.-")
_DANGEROUS = ("javascript", "vbscript", "data")
_LONGEST = max(map(len, _DANGEROUS))


def disarm_links(text: str) -> str:
    """`text` with each link target that a browser would run made inert (see the module docstring)."""
    # The `(` or `:` after each `]` whose target would run; code is looked for only if there is one.
    marks = [found.end() for found in _OPENER.finditer(text) if _runs(text, found.end() + 1)]
    if not marks:
        return text
    code = code_ranges(text)
    out, last, i = [], 0, 0
    for at in marks:
        while i < len(code) and code[i][1] <= at - 1:
            i += 1
        if i < len(code) and code[i][0] <= at - 1:
            continue  # the `]` is in code: not a link
        out += [text[last:at], "\\"]
        last = at
    return "".join(out) + text[last:]


def _runs(text: str, start: int) -> bool:
    """Whether the target starting at `start` has a scheme a browser would run."""
    scheme: list[str] = []
    for char in _decoded(text, start):
        if char <= " " or char == "<":  # skipped by the renderer or the browser's URL parser
            continue
        char = char.lower()
        if char == ":":
            return "".join(scheme) in _DANGEROUS
        if char not in _SCHEME_CHARS or len(scheme) >= _LONGEST:
            return False
        scheme.append(char)
    return False


def _decoded(text: str, start: int) -> Iterator[str]:
    """The characters of `text` from `start` as a renderer and a browser decode them."""
    pos = len(text) if start > len(text) else start
    while pos < len(text):
        piece = _PIECE.match(text, pos)
        assert piece is not None  # the last alternative takes any character
        pos = piece.end()
        hexa, decimal, named, escaped, plain = piece.groups()
        if hexa or decimal:
            number = int(hexa, 16) if hexa else int(decimal)
            yield chr(number) if number < 0x110000 else "\ufffd"
        elif named:
            yield from html5.get(named, "&")  # an unknown name stays text: its "&" ends any scheme
        else:
            yield escaped if escaped is not None else plain
