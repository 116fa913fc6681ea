"""Plain-text rendering of a stream of events, shared by the CLI and the terminal magics.

Text is written as it arrives and flushed per token. `out` is a literal.TerminalText (the CLI's
stdout, the terminal magics' stream), so a model's ESC sequence never reaches the terminal. With several
agents each answer gets a header; one agent streams live while the others' events wait
(fan-out interleaves them) and are written when it finishes.
"""

from __future__ import annotations

import json
from typing import Any, Callable, TextIO

from .events import FINAL_TYPES



class TextStream:
    """Call with each StreamEvent; writes readable text to `out`."""

    def __init__(self, out: TextIO, *, several: bool = False) -> None:
        self.out = out
        self.several = several
        self.at_line_start = True
        self.live: str | None = None
        self.waiting: dict[str | None, list[Any]] = {}
        self._by_type: dict[str, Callable[[Any], None]] = {
            "token": self._token, "tool_use": self._tool_use, "tool_result": self._tool_result,
            "complete": self._end, "error": self._end}

    def __call__(self, event: Any) -> None:
        if not self.several:
            self._by_type[event.type](event)
            return
        if self.live is None:
            self._start(event.agent)
        if event.agent != self.live:
            self.waiting.setdefault(event.agent, []).append(event)
            return
        self._by_type[event.type](event)
        if event.type in FINAL_TYPES:
            self._drain()

    def _start(self, agent: str | None) -> None:
        self.live = agent
        self.write(("" if self.at_line_start else "\n") + f"── {agent} ──\n")

    def _drain(self) -> None:
        """The live agent ended: write what the others sent meanwhile; the first unfinished goes live."""
        self.live = None
        for agent in list(self.waiting):
            events = self.waiting.pop(agent)
            self._start(agent)
            for event in events:
                self._by_type[event.type](event)
            if not any(e.type in FINAL_TYPES for e in events):
                return  # still streaming: it stays live
            self.live = None

    def write(self, text: str) -> None:
        if text:
            self.out.write(text)
            self.out.flush()
            self.at_line_start = text.endswith("\n")

    def _token(self, event: Any) -> None:
        self.write(event.text)

    def _tool_use(self, event: Any) -> None:
        self.write(("" if self.at_line_start else "\n") + f"[tool_use {event.name} {json.dumps(event.input)}]\n")

    def _tool_result(self, event: Any) -> None:
        first = (event.content.strip().splitlines() or [""])[0]
        first = first if len(first) <= 120 else first[:119] + "…"
        self.write(("" if self.at_line_start else "\n") + f"[tool_result {event.name} {event.status}: {first}]\n")

    def _end(self, event: Any) -> None:
        if not self.at_line_start:  # what follows (a status or error line) starts on a line of its own
            self.write("\n")
