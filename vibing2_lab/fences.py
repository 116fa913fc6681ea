"""Fenced code blocks in Markdown text: the one scanner behind the static renderings
(notebook/render.py) and the generated files (store/files.py), so both agree on where a
block starts and ends.

CommonMark's rules: an opening fence is three or more backticks or tildes indented at
most three spaces (a backtick fence's info string may not contain a backtick); the closing
fence is the same character, at least as many, indented at most three spaces, with nothing
else on the line. A block that is never closed (a cut-off answer) runs to the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Literal

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


@dataclass(frozen=True)
class Line:
    """One line of the text and what it is; `fence`/`info` are the enclosing block's opening."""

    kind: Literal["text", "open", "code", "close"]
    text: str
    fence: str = ""
    info: str = ""  # the opening fence's info string, stripped (language, title=..., ...)

    @property
    def language(self) -> str:
        """The info string's first word, lower-cased ("" when there is none)."""
        return (self.info.split() or [""])[0].lower()


def opening(line: str) -> tuple[str, str] | None:
    """(fence, info) if `line` opens a fenced block."""
    m = FENCE.match(line)
    if not m or (m.group(1)[0] == "`" and "`" in m.group(2)):
        return None
    return m.group(1), m.group(2).strip()


def closes(line: str, fence: str) -> bool:
    """True if `line` closes a block opened by `fence`."""
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]} and len(line) - len(line.lstrip()) < 4


def scan(text: str) -> Iterator[Line]:
    """Every line of `text` (split on "\\n"), in order, with its kind."""
    fence, info = "", ""
    for line in text.split("\n"):
        if fence:
            if closes(line, fence):
                yield Line("close", line, fence, info)
                fence, info = "", ""
            else:
                yield Line("code", line, fence, info)
            continue
        opened = opening(line)
        if opened:
            fence, info = opened
            yield Line("open", line, fence, info)
        else:
            yield Line("text", line)
