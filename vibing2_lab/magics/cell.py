"""`%%vibe`: interpolate the prompt, build the Session, stream into an output, raise on failure."""

from __future__ import annotations

from argparse import Namespace
from contextlib import closing, contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import VibeError
from ..notebook.render import short_traceback
from . import context
from .args import help_text, parse, wants_help

if TYPE_CHECKING:
    from ..session import Ask, Session
    from .output import PanelOutput, TextOutput
    from .tools import CellTools


def run(shell: Any, line: str, cell: str) -> None:
    """Run one `%%vibe` cell; a failed, refused or stopped ask raises (the cell fails)."""
    from ..session import Session

    if wants_help(line):
        print(help_text())
        return
    with clean_errors():
        options = parse(line)
    with clean_errors(), cell_tools(shell) as tools:
        if options.bg:
            tools.background()
        session = Session(build_ask(shell, options, cell), tool_context=tools.context, consent=tools.consent)
        if options.bg and session.replay_mode == "off":  # replay resolves at once, as in the foreground
            from .jobs import start

            start(shell, session, options, tools.handover())
            return
        output = open_output(shell, session, options.format)
        tools.attach(output)
        interrupted = False
        try:
            with closing(session.stream()) as events:
                for event in events:
                    output.event(event)
        except KeyboardInterrupt:  # Stop button or Ctrl+C: the session kept the partial answers
            interrupted = True
        except Exception:  # a bug or a broken store: end the live output before the error shows
            finish(shell, session, output, options)
            raise
        finish(shell, session, output, options)
        if interrupted and not session.failures():
            raise KeyboardInterrupt
        session.raise_for_error()


@contextmanager
def cell_tools(shell: Any) -> Iterator[CellTools]:
    """The cell's tool context and consent (tools.py), closed however the cell ends."""
    from .tools import CellTools

    tools = CellTools(shell)
    try:
        yield tools
    finally:
        if not tools.handed_over:  # a background job closes its tools when it ends
            tools.close()


def build_ask(shell: Any, options: Namespace, cell: str) -> Ask:
    """The Ask a cell means: its options, its interpolated body, and what the kernel knows."""
    from .interpolate import interpolate
    from ..session import Ask

    cell = cell.rstrip("\n")  # IPython appends a newline to the cell body; it is not part of the prompt
    prompt = cell if options.no_interpolate else interpolate(cell, **context.interpolation_inputs(shell))
    return Ask(prompt, project=context.project_for(shell, options.project), agent=options.agent, agents=options.agents or (),
               auto=options.auto, chain=options.chain, model=options.model,
               context=context.recent_cells(shell) if options.auto else "", store=not options.no_store,
               cell_id=context.cell_id(shell), replay=options.replay, project_dir=Path.cwd(),
               max_tokens=options.max_tokens, temperature=options.temperature, format=options.format,
               allow=options.allow or (), max_cost=options.max_cost)


def open_output(shell: Any, session: Session, fmt: str, *, background: bool = False) -> PanelOutput | TextOutput:
    """The widget panel in a Jupyter kernel; plain text in a terminal."""
    from .output import PanelOutput, TextOutput

    if context.has_widgets(shell):
        # An instant strict replay has nothing to watch: one final display, no live updates.
        # (nbval, which checks the example notebooks, ignores display updates.)
        instant = session.replay_mode == "strict" and session.settings.replay_pace == 0
        return PanelOutput(session, fmt=fmt, kernel_id=context.kernel_id(shell), live=not instant,
                           background=background)
    return TextOutput(session, fmt=fmt)


def finish(shell: Any, session: Session, output: PanelOutput | TextOutput, options: Namespace) -> None:
    """Record, final rendering, and with --format code the answer's code as the next cell."""
    from ..notebook.render import code_to_insert

    record = session.record()
    output.finish(record)
    code = code_to_insert(record) if options.format == "code" else None
    if code:
        shell.set_next_input(code, replace=False)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Show a VibeError as its message and how to fix it, not as 40 frames of the library."""
    try:
        yield
    except VibeError as exc:
        exc._render_traceback_ = partial(short_traceback, exc)  # type: ignore[attr-defined]
        raise
