"""Which text the store can hold, the ONE rule for both engines.

PostgreSQL's `text` cannot hold U+0000 (psycopg refuses the whole statement); neither engine
can hold a lone surrogate (not UTF-8). SQLite would keep a NUL, so without one rule the same
answer would be stored on one engine and lost on the other. The rule:

- what the user gives (a prompt, the extra system text; file paths and project names refuse
  every control character already, see export.py and rows.py) holding a NUL is refused with
  a StoreError before anything is stored or sent (`refuse_unstorable`);
- content we must not lose (an answer, a file's content, a tool's output, a run's fields)
  keeps everything else: each NUL or lone surrogate becomes U+FFFD, as the wires already do
  for answer text (`storable`).

Both engines pass every parameter of every statement through `storable_params`, so a text
that reaches SQL by any path is stored the same way on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from ..errors import StoreError

REPLACEMENT = "\ufffd"
# In a str every surrogate is a lone one.
_NOT_STORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` with each NUL and lone surrogate replaced by U+FFFD (the same object when clean)."""
    if text.isascii():
        return text.replace("\x00", REPLACEMENT) if "\x00" in text else text
    return _NOT_STORABLE.sub(REPLACEMENT, text) if _NOT_STORABLE.search(text) else text


def storable_params(params: Sequence[Any] | Any) -> Any:
    """A statement's parameters with every str made `storable` (other values, and a mapping, as given)."""
    if type(params) is tuple or type(params) is list:
        for value in params:  # rebuilt only when a value changes: this runs for every row written
            if type(value) is str and (not value.isascii() or "\x00" in value) and storable(value) is not value:
                return tuple(storable(v) if type(v) is str else v for v in params)
    return params


def refuse_unstorable(text: str, what: str) -> str:
    """`text` if the store can hold it as given, else StoreError naming `what` and where the NUL is."""
    at = text.find("\x00")
    if at >= 0:
        raise StoreError(f"The {what} contains a NUL character (U+0000) at position {at}; the project store"
                         " cannot hold it (PostgreSQL's text refuses it), so nothing was stored or sent.",
                         hint="Remove the NUL; it usually comes from pasting binary data or a file read"
                              " in the wrong encoding.")
    return text
