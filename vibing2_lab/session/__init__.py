"""One "ask" through the core. Every adapter goes through here.

    Ask       what the user asked, and every rule about a bad one (ask.py)
    Session   orchestration: agents, models, provider or replay, order, store (session.py)
    Call      one agent's answer, from its request to its stored result (call.py)
"""

from __future__ import annotations

from .ask import Ask
from .call import Call
from .session import MODES, Session

__all__ = ["MODES", "Ask", "Call", "Session"]
