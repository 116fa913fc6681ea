"""Which provider answers one call of a session: the live one, behind the ask's budgets and in a
tool loop when the agent has tools; in replay mode the replay provider, with the live one as its
fallback. Used by Session.make_request and by the model re-rank of an --auto pick."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..agents import Agent
    from ..models import ModelRef
    from ..providers import Provider
    from ..tools import Tool
    from .session import Session


def provider_for(session: Session, ref: ModelRef, agent: Agent | None, tools: list[Tool]) -> Provider:
    """The live provider (in a tool loop when the agent has tools), or in replay mode the replay
    provider (with the live one as fallback), which replays recorded tool steps without running any."""
    from ..providers import get_provider

    live = None if session.replay_mode == "strict" else get_provider(ref.provider, settings=session.settings)
    if live is not None:
        live = _budgeted(session, live)
    if live is not None and tools:
        live = session.tooling.loop(live, tools)
    if session.replay_mode == "off":
        return live
    from ..notebook.replay import ReplayIndex, ReplayProvider

    session.replay_index = session.replay_index or ReplayIndex.discover()
    return ReplayProvider(session.replay_index, settings=session.settings, fallback=live,
                          cell_id=session.ask.cell_id, agent=agent)


def _budgeted(session: Session, provider: Provider) -> Provider:
    """Every request through `provider` checked against the budgets first (one ledger per ask)."""
    from ..budget import Ledger, guard, has_limits

    if not has_limits(session.settings, session.ask.max_cost):
        return provider
    with session._lock:
        if session.ledger is None:
            store = session.store
            if store is None:  # a one-off ask still answers to the daily and monthly limits
                from ..store import Store

                store = Store.open()
            session.ledger = Ledger(session.settings, store, session.project.id if session.project else None,
                                    max_cost=session.ask.max_cost)
    return guard(provider, session.ledger)
