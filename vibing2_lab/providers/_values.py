"""What values from upstream JSON and exceptions are taken as: token counts, answer text, and
the one-line texts of errors. Pure functions, shared by the wires and the Exchange."""

from __future__ import annotations

import re
from typing import Any

from ..store.text import storable

_MAX_COUNT = 2 ** 53  # a token count past this is not a count (and would overflow SQLite)


def count(value: Any) -> int | None:
    """A token count from upstream usage, or None when the value is not one."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_COUNT:
        return value
    return None


def answer_text(value: Any) -> str:
    """Answer text from upstream JSON: a str ("" when absent). A lone surrogate (a JSON escape
    can carry one, UTF-8 cannot) and a NUL (`\\u0000`, which PostgreSQL's text cannot hold) become
    U+FFFD, so the answer can still be stored and sent; a value that is not text is a TypeError
    (an event of the wrong shape, see Exchange._dispatch)."""
    if value is None:
        return ""
    if type(value) is not str:
        raise TypeError(f"a text field holds {type(value).__name__}, not a string")
    # The store's one rule (store/text.py); the common case inline: this runs once per token.
    return value if value.isascii() and "\x00" not in value else storable(value)


def one_line(text: str, limit: int = 300) -> str:
    """Whitespace collapsed and length bounded, so an error stays one line."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# A body cut short, as each HTTP library words it (h11 under httpx, aiohttp's parser), and the
# one wording both paths use for it.
_CUT_SHORT = (
    (re.compile(r"without sending complete message body \(received (\d+) bytes, expected (\d+)\)"),  # h11
     "the body ended after {0} of the {1} bytes its Content-Length announced"),
    (re.compile(r"Not enough data to satisfy content length header \(received (\d+) of (\d+) bytes\)"),  # aiohttp
     "the body ended after {0} of the {1} bytes its Content-Length announced"),
    (re.compile(r"without sending complete message body \(incomplete chunked read\)"), "the body ended inside a chunk"),
    (re.compile(r"Not enough data to satisfy transfer length header"), "the body ended inside a chunk"),
)


def exception_detail(exc: BaseException) -> str:
    """What a network exception says, without a closing period (messages add their own). aiohttp's
    parser errors carry it in `message` (on the error, or on the cause of a payload error): their
    str() starts "400, message=...", a status no server sent (the parser's own code). A body cut
    short is said in one wording, whichever library saw it."""
    detail = ""
    for source in (exc, exc.__cause__):
        message = getattr(source, "message", None)
        if isinstance(message, str) and message:
            detail = message
            break
    detail = detail or str(exc) or type(exc).__name__
    for pattern, wording in _CUT_SHORT:
        found = pattern.search(detail)
        if found:
            return wording.format(*found.groups())
    return detail[:-1] if detail.endswith(".") and not detail.endswith("..") else detail
