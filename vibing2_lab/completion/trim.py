"""A model's answer → the continuation to show at the cursor.

Chat models asked for "only the continuation" still often send more. The rules, in order:

  1. a cursor marker the model copied is dropped;
  2. fences: prose before an opening fence and the fence line go; a closing fence (or any
     fence line) ends the answer;
  3. an echoed prefix goes: the answer starting with the whole prefix, its last lines, or
     the current line (indented or not);
  4. trailing prose ends the answer: a line of English after a blank line (not in Markdown);
  5. an echoed suffix goes: the rest of the cursor's line repeated at the end, or the answer
     running on into the code after the cursor;
  6. at most `max_lines` lines; trailing whitespace goes.

`visible(raw, ..., final=False)` is used while the answer streams in: it holds back any tail
a later token could still turn into something these rules remove (a half-written fence, a
possible echo, a maybe-prose line), so what was shown never has to be taken back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .prompt import CURSOR

FENCE = re.compile(r"^\s*(```|~~~)[\w+.#-]*\s*$")
_PROSE_OPENER = re.compile(
    r"^(Here|This|The|That|These|Note|Explanation|Sure|Certainly|I |It |In this|Output|Result|Hope|Let me)\b")
_CODE_CHARS = re.compile(r"[=()\[\]{}<>;]|^\s*[#@]|^\s*(def|class|return|import|from|if|for|while)\b")
_NO_PROSE_LANGUAGES = {"markdown", "md", "text", "plain", "latex", "rst"}
_ECHO_LINES = 3  # how many of the prefix's last lines an echo may repeat


@dataclass(frozen=True)
class Shown:
    """The continuation to show, and whether it is final (nothing more may be added)."""

    text: str
    done: bool = False


def _is_prose(line: str) -> bool:
    stripped = line.strip()
    # A model's prose starts at the margin; an indented sentence is a docstring or a string.
    if not stripped or line[:1].isspace() or _CODE_CHARS.search(stripped):
        return False
    if _PROSE_OPENER.match(stripped):
        return True
    words = stripped.split()
    return len(words) >= 4 and stripped[0].isupper() and stripped[-1] in ".:!"


def _could_be_fence(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and ("```".startswith(stripped) or "~~~".startswith(stripped)
                               or stripped.startswith(("```", "~~~")))


def _lead_in(lines: list[str]) -> int:
    """How many leading lines are a prose lead-in ("Here is the code:") and/or an opening fence."""
    for n, line in enumerate(lines[:4]):
        if FENCE.match(line):
            return n + 1 if all(not ln.strip() or _is_prose(ln) for ln in lines[:n]) else 0
        if line.strip() and not _is_prose(line):
            break
    if lines and _is_prose(lines[0]) and lines[0].rstrip().endswith(":"):
        return 1
    return 0


def _unfence(text: str, final: bool) -> tuple[str, bool, bool]:
    """(text without lead-in and fences, ended by a fence, still unsure) — step 2."""
    lines = text.split("\n")
    complete, last = (lines, None) if final else (lines[:-1], lines[-1])
    body = complete[_lead_in(complete):]
    for n, line in enumerate(body):
        if FENCE.match(line):
            return "\n".join(body[:n]), True, False
    if last is not None:
        opening = all(not ln.strip() or _is_prose(ln) for ln in complete) and len(complete) < 4
        maybe_prose = not body and last.strip()[:1].isupper() and not _CODE_CHARS.search(last)
        if _could_be_fence(last) or (opening and complete and not body) or maybe_prose:
            return "\n".join(body), False, True  # wait until the line is whole
        body.append(last)
    return "\n".join(body), False, False


def _strip_echo(text: str, prefix: str, final: bool) -> tuple[str, bool]:
    """(text without an echoed prefix, still unsure) — step 3."""
    lines = prefix.split("\n")
    tails = [prefix] + ["\n".join(lines[-k:]) for k in range(min(_ECHO_LINES, len(lines)), 0, -1)]
    tails = [t for t in tails if t.strip()]
    for tail in tails:  # longest first
        if text.startswith(tail):
            return text[len(tail):], False
    current = lines[-1].lstrip()
    if current.strip() and text.lstrip().startswith(current):
        return text.lstrip()[len(current):], False
    if not final and text.strip() and any(t.startswith(text) or t.lstrip().startswith(text.lstrip())
                                          for t in tails):
        return "", True  # could still become an echo
    return text, False


def _cut_prose(text: str, final: bool) -> tuple[str, bool, bool]:
    """(text before trailing prose, cut, still unsure) — step 4."""
    lines = text.split("\n")
    for n in range(1, len(lines)):
        if lines[n - 1].strip() or not lines[n].strip():
            continue
        is_last = n == len(lines) - 1
        if is_last and not final:
            return "\n".join(lines[:n]), False, True  # a line after a blank one: judge it when whole
        if _is_prose(lines[n]):
            return "\n".join(lines[:n]), True, False
    return text, False, False


def _cut_suffix(text: str, suffix: str, final: bool) -> tuple[str, bool]:
    """(text without the echoed suffix, ran into the suffix) — step 5."""
    rest_of_line = suffix.split("\n", 1)[0].rstrip()
    next_code = next((ln.strip() for ln in suffix.split("\n")[1:] if ln.strip()), "")
    if len(next_code) < 4 or not re.search(r"\w", next_code):
        next_code = ""  # a lone "}" or ")" also closes blocks inside the completion
    lines = text.split("\n")
    if next_code:
        for n, line in enumerate(lines[1:], start=1):
            if line.strip() == next_code:
                return "\n".join(lines[:n]), True
        if not final and len(lines) > 1 and lines[-1].strip() and next_code.startswith(lines[-1].strip()):
            return "\n".join(lines[:-1]), False  # this line may turn out to be the code after the cursor
    if rest_of_line.strip():
        body = text.rstrip()
        if body.endswith(rest_of_line):
            return body[: len(body) - len(rest_of_line)], final
        if not final:  # hold back a tail that may be the start of the rest of the line
            for k in range(min(len(rest_of_line), len(body)), 0, -1):
                if body.endswith(rest_of_line[:k]):
                    return body[: len(body) - k], False
    return text, False


def visible(raw: str, *, prefix: str, suffix: str = "", language: str = "python", max_lines: int = 8,
            final: bool = True) -> Shown:
    """The part of `raw` (the answer so far) to show at the cursor; see the module docstring."""
    text = raw.replace(CURSOR, "")
    if not final:  # hold back what may be the start of a copied cursor marker
        text = next((text[:-k] for k in range(min(len(CURSOR) - 1, len(text)), 0, -1)
                     if text.endswith(CURSOR[:k])), text)
    text, fenced_end, unsure = _unfence(text, final)
    if unsure and not text:
        return Shown("")
    text, echo_unsure = _strip_echo(text, prefix, final and not unsure)
    if echo_unsure:
        return Shown("")
    prose_end = False
    if language not in _NO_PROSE_LANGUAGES:
        text, prose_end, _ = _cut_prose(text, final)
    text, ran_on = _cut_suffix(text, suffix, final)
    lines = text.split("\n")
    too_long = len(lines) > max_lines
    if too_long:
        text = "\n".join(lines[:max_lines])
    done = fenced_end or prose_end or ran_on or too_long
    return Shown(text.rstrip(), done)
