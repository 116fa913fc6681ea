"""Auto-selection's optional model re-rank, run as a Call so the notebook records it and replay is exact.

The agents library decides what to ask and how to read the answer (agents/rerank.py); this
module only makes the call the way every other call is made: the fast tier's model, the
session's provider (the replay provider in replay mode), a hashed request, a Call that keeps
the answer for the record. A failed call (no key, unreachable, no record to replay) leaves
the local pick in place, with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .call import Call
from .providing import provider_for

if TYPE_CHECKING:
    from ..agents import Agent, Pick
    from . import Session


def auto_mode(session: Session) -> str:
    """"model" when the ask or config.yaml (`auto: model`) asks for the model re-rank, else "local"."""
    return session.ask.auto_rank or getattr(session.settings, "auto", "local")


def rerank_pick(session: Session) -> tuple[Pick, Call | None]:
    """The session's pick after the model re-rank, and the call that made it (None if none was kept)."""
    from ..agents.rerank import rerank

    kept: list[Call] = []

    def ask_model(agent: Agent, text: str) -> tuple[str | None, str]:
        answer, model, call = _ask(session, agent, text)
        if call is not None:
            kept.append(call)
        return answer, model

    pick = rerank(session.pick, session.ask.prompt, ask_model=ask_model)  # type: ignore[arg-type]
    return pick, (kept[0] if kept else None)


def _ask(session: Session, agent: Agent, text: str) -> tuple[str | None, str, Call | None]:
    from ..agents.rerank import MAX_TOKENS
    from ..errors import VibeError
    from ..models import resolve_model

    try:
        ref = resolve_model(None, settings=session.settings, tier="fast")
        provider = provider_for(session, ref, agent, [])  # no tools: the router only answers
        call = Call.open(agent, ref, text, provider=provider, settings=session.settings, max_tokens=MAX_TOKENS,
                         temperature=0.0, cell_id=session.ask.cell_id)
        for event in provider.stream(call.request):
            if call.on_event(event):
                break
    except VibeError as exc:
        return None, f"{exc.message} ({exc.kind})", None
    final = call.final
    if final is None or final.type != "complete":
        why = getattr(final, "message", "the stream ended without an answer")
        return None, f"{why} ({getattr(final, 'kind', 'error')})", None
    return call.text, str(ref), call


def pick_record(session: Session) -> dict[str, Any] | None:
    """The `pick` part of the notebook record: what was chosen, how, and the re-rank call."""
    pick = session.pick
    if pick is None:
        return None
    from ..notebook.record import call_record

    call = session.pick_call
    return {"agent": pick.agent.name, "how": pick.how, "reasons": pick.reasons[:16],
            "calls": [call_record(call)] if call is not None else []}
