"""Where a `%%vibe` stream goes: the widget panel in a kernel, plain text in a terminal.

Both end the same way: the record (output metadata key `vibing2_lab`) beside the static
rendering from render.render_bundle, so saved notebooks read well without the widget.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

from ..events import FINAL_TYPES
from ..literal import TerminalText, terminal_text
from ..notebook.record import METADATA_KEY
from ..notebook.render import call_facts, call_problem, call_title, render_bundle

if TYPE_CHECKING:
    from .stdin import KernelStdin
    from ..session.call import Call
    from ..session import Session


def overall_status(session: Session) -> str:
    """complete, or the first failed call's status (error / cancelled)."""
    failed = session.failures()
    return failed[0].status if failed else "complete"


def _index_of(session: Session) -> dict[str | None, int]:
    return {agent.name: i for i, agent in enumerate(session.agents)} or {None: 0}


class PanelOutput:
    """Streams into a VibePanel; at the end the output becomes widget + static bundle + record.

    Not `live`: nothing is shown until the end, then the same final output is displayed once.
    Tool steps and consent questions go through `steps` (steps.py); when the front end
    answered questions on stdin, JupyterLab left their echo in the output, so the end
    replaces the whole output (a saved notebook then holds only the record, as replay does).
    """

    def __init__(self, session: Session, *, fmt: str, kernel_id: str, live: bool = True,
                 background: bool = False) -> None:
        from IPython.display import display

        from ..widget import Frames, VibePanel, answer_state
        from .steps import PanelSteps

        self.session, self.fmt = session, fmt
        self.index = _index_of(session)
        names = [agent.name for agent in session.agents] or [None]
        waiting = "waiting" if session.mode == "chain" else "streaming"
        answers = [answer_state(agent=name, model=model, status="streaming" if i == 0 else waiting)
                   for i, (name, model) in enumerate(zip(names, session.plan))]
        self.panel = VibePanel(mode=session.mode, format=fmt, kernel_id=kernel_id, answers=answers,
                               background=background)
        self.frames = Frames(self.panel.send)
        self.steps = PanelSteps(self.frames, self.panel.send, lambda agent: self.index.get(agent, 0))
        self.stdin: KernelStdin | None = None  # set by the cell when tools may ask on stdin
        self.live = live
        self.handle = display(self.panel, display_id=True) if live else None

    def event(self, event: Any) -> None:
        if not self.live:
            return
        i = self.index.get(event.agent, 0)
        if event.type == "token":
            self.frames.add(i, event.text)
            self.steps.token(i, event.text)
        elif event.type == "tool_use":
            self.steps.tool_use(event)
        elif event.type == "tool_result":
            self.steps.tool_result(event)
        elif event.type in FINAL_TYPES:
            self.frames.set_status(i, event.status)
            if event.type == "complete" and self.session.mode == "chain" and i + 1 < len(self.index):
                self.frames.set_status(i + 1, "streaming")

    def finish(self, record: dict[str, Any]) -> None:
        """Full texts into the widget state once; the output gets the static bundle and the record."""
        from ..widget import answer_state

        self.frames.flush()  # the last tokens too, so the deltas alone add up to the full text
        answers = [answer_state(agent=call.agent.name if call.agent else None,
                                model=f"{call.provider_name}:{call.model}", status=call.status, text=call.text,
                                facts=call_facts(data) + _version_fact(call), problem=_problem(call, data),
                                preview=self._preview(call),
                                steps=self.steps.final(i, data.get("response") or {}))
                   for i, (call, data) in enumerate(zip(self.session.calls, record["calls"]))]
        with self.panel.hold_sync():
            self.panel.answers = answers
            self.panel.status = overall_status(self.session)
        bundle = {**self.panel.view_data(), **render_bundle(record)}
        if self.handle is None or (self.stdin is not None and self.stdin.asked):
            from IPython.display import clear_output, display

            if self.handle is not None:
                clear_output(wait=True)  # the answered input boxes' echo goes with the old output
                for warning in [*getattr(self.session, "notices", []),
                                *getattr(getattr(self.session, "tooling", None), "warnings", [])]:
                    print(terminal_text(warning), file=sys.stderr)  # ... and so would the tool warnings shown before
            display(bundle, metadata={METADATA_KEY: record}, raw=True)
        else:
            self.handle.update(bundle, metadata={METADATA_KEY: record}, raw=True)

    def _preview(self, call: Call) -> str | None:
        from ..widget import preview_document

        from ..errors import VibeError

        files: dict[str, str] = {}
        session = self.session
        try:
            if session.store is not None and session.project is not None:
                files = session.store.get_project(session.project.id).file_map()
        except VibeError:  # the answer's own files still make a preview
            files = {}
        return preview_document(call.text, files, always=self.fmt == "html", policy=session.settings.preview_policy())


def _version_fact(call: Call) -> list[str]:
    """The version of the project's files this answer made (widget only: the static rendering stays
    a pure function of the record, so replay reproduces it whatever the store holds)."""
    return [f"files: version {call.version}"] if getattr(call, "version", None) else []


def _problem(call: Call, data: dict[str, Any]) -> str | None:
    """The record's one-line problem, with the error's how-to-fix hint when there is one."""
    problem = call_problem(data)
    hint = getattr(call.final, "hint", "") if call.status == "error" else ""
    return f"{problem} {hint}".strip() if problem else None


class TextOutput:
    """A terminal (no widgets): text streams to stdout, one agent live, the others when it ends."""

    def __init__(self, session: Session, *, fmt: str, out: TextIO | None = None) -> None:
        from ..textstream import TextStream

        self.session, self.fmt = session, fmt
        # A terminal acts on the controls an answer may hold: shown inertly (the CLI wraps its own stdout).
        self.text = TextStream(TerminalText(out or sys.stdout), several=len(session.agents) > 1)

    def event(self, event: Any) -> None:
        self.text(event)

    def _write(self, text: str) -> None:
        self.text.write(text)

    def finish(self, record: dict[str, Any]) -> None:
        """A status line per answer; the static rendering and the record go to the display system
        without text/plain, which the terminal would print a second time."""
        from IPython.display import publish_display_data

        for call in record["calls"]:
            problem = call_problem(call)
            self._write(f"[{' · '.join([call_title(call), *call_facts(call)])}]\n")
            if problem:
                self._write(f"[{problem}]\n")
        bundle = {k: v for k, v in render_bundle(record).items() if k != "text/plain"}
        publish_display_data(bundle, metadata={METADATA_KEY: record})
