"""A configured API key (any provider's) in what a Session is about to store, record or send:
the prompt, the system text, an agent file. Replaced by keys.redact_keys before any of that
happens, and the user told (`Session.notices`, a warning: under the cell, on the CLI's stderr,
in the server stream's `start` event)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..keys import configured_keys, redact_keys
from ..log_text import logger

if TYPE_CHECKING:
    from .session import Session

log = logger("vibing2_lab.session")


def redact_ask(session: Session) -> tuple[str, ...]:
    """Redact the ask's prompt and system text in place; returns the configured keys."""
    keys = configured_keys(session.settings.providers)
    ask = session.ask
    for what, label in (("prompt", "the prompt"), ("system", "the system text")):
        clean, found = redact_keys(getattr(ask, what) or "", keys)
        if found:
            setattr(ask, what, clean)
            _notice(session, f"{label} held a configured API key ({found}x)")
    return keys


def redact_agents(session: Session, keys: tuple[str, ...]) -> None:
    """Replace each agent whose system prompt holds a key by a redacted copy (the registry's
    agent stays as its file says)."""
    for n, agent in enumerate(session.agents):
        clean, found = redact_keys(agent.system_prompt, keys)
        if found:
            session.agents[n] = replace(agent, system_prompt=clean)
            if session.pick is not None and session.pick.agent is agent:
                session.pick.agent = session.agents[n]
            _notice(session, f"the agent file {agent.path} held a configured API key ({found}x)")


def _notice(session: Session, what: str) -> None:
    message = (f"{what[0].upper()}{what[1:]}: it was replaced by [redacted] before anything was stored or "
               "sent. Revoke that key if the text went anywhere else.")
    session.notices.append(message)
    log.warning("%s", message)
