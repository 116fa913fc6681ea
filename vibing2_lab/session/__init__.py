"""One "ask" through the core: `Ask` (what the user asked), `Session` (resolve, stream, store,
record) and `Call` (one model request's lifecycle). Every adapter goes through here."""

from __future__ import annotations

from .ask import Ask
from .call import Call
from .session import MODES, Session

__all__ = ["MODES", "Ask", "Call", "Session"]
