"""NotebookRead / NotebookEdit for a `%%vibe` cell: the live notebook, through the front end.

The kernel must never rewrite the .ipynb while JupyterLab has it open (the next save would
overwrite one of the two), so both tools ask the front end, which reads and edits its own
notebook model (labextension/bridge.ts): the request goes to the panel as a widget message,
the answer comes back as one JSON line on the kernel's stdin (the same round trip as
consent, see stdin.py; the panel hides that input box, a person has nothing to type there).

With no front end that answers (nbclient's allow_stdin=False, terminal IPython) NotebookRead
reads the saved file and says so, and NotebookEdit is refused with a result saying why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from ..errors import ToolError
from .stdin import KernelStdin, NoStdin, StdinClosed, new_token

MAX_REPLY_CHARS = 5_000_000  # a reply line longer than this is not parsed (the front end cuts outputs)


class FrontEndNotebook:
    """The NotebookBridge of a cell: `send` puts a message in the panel, `stdin` hears back."""

    def __init__(self, stdin: KernelStdin | None, send: Callable[[dict[str, Any]], None] | None, *,
                 saved: Path | None) -> None:
        self.stdin, self.send, self.saved = stdin, send, saved

    def read(self) -> str:
        from ..notebook.cells import cells_text, saved_cells

        try:
            reply = self._request("read", {})
        except NoStdin:
            if self.saved is None:
                raise ToolError("No notebook front end is attached and the notebook's file is not known.",
                                hint="Run the cell in JupyterLab to let agents read the notebook.") from None
            return cells_text(saved_cells(self.saved), path=self.saved.name,
                              version="saved version on disk: no front end is attached, unsaved edits are not seen")
        return cells_text(_cells(reply), path=str(reply.get("path") or "notebook"), version="live notebook")

    def edit(self, input: dict[str, Any]) -> str:
        try:
            reply = self._request("edit", input)
        except NoStdin:
            raise ToolError("NotebookEdit was refused: no notebook front end is attached (nbclient, a terminal), "
                            "and the .ipynb is never rewritten behind an editor's back.",
                            hint="Run the cell in JupyterLab to let agents edit the open notebook.") from None
        return str(reply.get("message") or "Done.")

    def _request(self, op: str, input: dict[str, Any]) -> dict[str, Any]:
        """Ask the front end; its `{"ok": false, "error": ...}` becomes a ToolError."""
        if self.stdin is None or self.send is None or not self.stdin.allowed:
            raise NoStdin("no front end")
        token = new_token()
        self.send({"type": "notebook", "token": token, "op": op, "input": input})
        try:
            line = self.stdin.ask(f"vibing2-lab is waiting for the notebook ({op}); press Enter to cancel ›", token)
        except StdinClosed:
            raise ToolError("The cell ended before the notebook answered.") from None
        return _reply(line)


def _reply(line: str) -> dict[str, Any]:
    """The front end's answer line, validated: a JSON object with `ok`; else a ToolError."""
    if not line.strip():
        raise ToolError("The notebook request was cancelled (an empty answer came back).",
                        hint="Let the vibing2-lab panel answer, or run the cell in JupyterLab.")
    try:
        reply = json.loads(line) if len(line) <= MAX_REPLY_CHARS else None
    except ValueError:
        reply = None
    if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
        raise ToolError("The front end's answer to a notebook request was not understood.",
                        hint="Is the vibing2-lab JupyterLab extension the same version as the kernel's package?")
    if not reply["ok"]:
        raise ToolError(str(reply.get("error") or "The notebook refused the request."))
    return reply


def _cells(reply: dict[str, Any]) -> list[dict[str, Any]]:
    cells = reply.get("cells")
    # outputs too: NotebookRead iterates them (an `"outputs": 5` failed it with a TypeError)
    if not isinstance(cells, list) or not all(isinstance(c, dict) and isinstance(c.get("outputs") or [], list)
                                              for c in cells):
        raise ToolError("The front end sent no cell list.", hint="Reload JupyterLab and run the cell again.")
    return cells
