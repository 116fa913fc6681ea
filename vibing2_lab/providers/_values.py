"""What values from upstream JSON and exceptions are taken as: token counts, answer text, and
the one-line texts of errors. Pure functions, shared by the wires and the Exchange."""

from __future__ import annotations

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


def exception_detail(exc: BaseException) -> str:
    """What a network exception says. aiohttp's parser errors carry it in `message` (on the error,
    or on the cause of a payload error): their str() starts "400, message=...", a status no
    server sent (the parser's own code)."""
    for source in (exc, exc.__cause__):
        message = getattr(source, "message", None)
        if isinstance(message, str) and message:
            return message
    return str(exc) or type(exc).__name__
