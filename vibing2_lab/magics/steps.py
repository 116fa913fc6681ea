"""Tool steps in the `%%vibe` panel: each tool call, its consent question and its result.

Steps travel as `{"type": "step", "answer": i, "step": {...}}` widget messages (the panel
upserts them by id, see widget/static/steps.js); the text streamed before a step is flushed
first, so the step sits where the model called the tool. `at` is that offset in the
answer's text: the panel and the static rendering cut the text there.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from ..tools import Decision, PendingCall
    from ..widget import Frames

WIDGET_CONTENT_CHARS = 4_000  # of a result in the widget; the record keeps the full text


def _cut(text: str) -> str:
    from ..tools.base import cut

    return cut(text, WIDGET_CONTENT_CHARS, what="shown text")


def step_state(step: Mapping[str, Any], *, at: int | None = None) -> dict[str, Any]:
    """One step as the panel reads it (from a live event or a recorded step). Long texts are
    cut: the widget state is saved in the notebook beside the record, which keeps them whole."""
    given = step.get("input") or {}
    shown = {k: _cut(v) if isinstance(v, str) else v for k, v in given.items()} if isinstance(given, dict) else {}
    state = {"id": step.get("id"), "name": step.get("name"), "input": shown,
             "status": step.get("status") or "running", "content": _cut(str(step.get("content") or "")),
             "duration": step.get("duration"), "consent": step.get("consent") or {}}
    offset = step.get("at") if at is None else at
    if isinstance(offset, int):
        state["at"] = offset
    return state


class PanelSteps:
    """Turns tool events and consent questions of one ask into panel step messages."""

    def __init__(self, frames: Frames, send: Callable[[dict[str, Any]], None],
                 index: Callable[[str | None], int]) -> None:
        self.frames, self.send, self.index = frames, send, index
        self.chars: dict[int, int] = {}  # text streamed per answer: a new step's offset
        self.steps: dict[str, tuple[int, dict[str, Any]]] = {}  # key -> (answer, state)
        self.keys: dict[str, str] = {}  # tool-use id -> key of its latest step
        self.started: dict[str, float] = {}

    def token(self, answer: int, text: str) -> None:
        self.chars[answer] = self.chars.get(answer, 0) + len(text)

    def _emit(self, answer: int, state: dict[str, Any]) -> None:
        self.frames.flush()  # the text before the step arrives first
        self.send({"type": "step", "answer": answer, "step": state})

    def _update(self, id: str, **changes: Any) -> None:
        if id in self.steps:
            answer, state = self.steps[id]
            state.update(changes)
            self._emit(answer, state)

    def tool_use(self, event: Any) -> None:
        answer = self.index(event.agent)
        # The panel's key is the step's position: a tool-use id need not be unique across the
        # requests of an answer (only within one), and a later call must not replace an earlier one.
        shown = f"{sum(1 for i, _ in self.steps.values() if i == answer)}:{event.id}"  # as final() numbers them
        key = f"{answer}/{shown}"
        state = step_state({"id": shown, "name": event.name, "input": event.input}, at=self.chars.get(answer, 0))
        self.steps[key] = (answer, state)
        self.keys[event.id] = key
        self.started[key] = time.monotonic()
        self._emit(answer, state)

    def tool_result(self, event: Any) -> None:
        key = self.keys.get(event.id, "")
        duration = time.monotonic() - self.started.get(key, time.monotonic())
        self._update(key, status=event.status, content=step_state({"content": event.content})["content"],
                     duration=round(duration, 3))

    def show_question(self, pending: PendingCall, token: str) -> None:
        if pending.id not in self.keys:  # asked before its tool_use event was rendered
            self.tool_use(pending)
        self._update(self.keys[pending.id], status="pending",
                     ask={"token": token, "description": pending.description})

    def close_question(self, pending: PendingCall, decision: Decision | None) -> None:
        consent = decision.to_dict() if decision is not None else {}
        status = "running" if decision is not None and decision.allowed else "denied" if decision else "cancelled"
        self._update(self.keys.get(pending.id, ""), status=status, ask=None, consent=consent)

    def final(self, answer: int, response: Mapping[str, Any]) -> list[dict[str, Any]]:
        """An answer's steps for the final widget state: the record's (what the static rendering
        shows), else those seen live."""
        from ..notebook.toolsteps import tool_steps

        recorded = tool_steps(response)
        if recorded:
            return [step_state(dict(step, id=f"{n}:{step['id']}")) for n, step in enumerate(recorded)]
        return [{k: v for k, v in state.items() if k != "ask"} for i, state in self.steps.values() if i == answer]
