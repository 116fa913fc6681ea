"""NotebookRead / NotebookEdit: names and schemas here; the work is done by the adapter's
NotebookBridge (`ctx.notebook`), which talks to the live notebook in the front end. Without
one (nbclient, a terminal) both answer with an error result saying so."""

from __future__ import annotations

from typing import Any

from ..errors import ToolError
from .base import Tool, ToolContext

_NO_FRONT_END = ToolError("No notebook front end is attached (nbclient, a terminal or the CLI), "
                          "so the live notebook cannot be reached.",
                          hint="Run the cell in JupyterLab to let agents read or edit the notebook.")


class NotebookRead(Tool):
    name = "NotebookRead"
    description = "The notebook's cells: ids, types, sources and text outputs."
    input_schema = {"type": "object", "properties": {"notebook_path": {"type": "string"}}}
    default_policy = "allow"

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        if ctx.notebook is None:
            raise _NO_FRONT_END
        return ctx.notebook.read()


class NotebookEdit(Tool):
    name = "NotebookEdit"
    description = ("Insert, replace or delete a cell of the open notebook. `cell_id` is the cell to "
                   "replace/delete, or the one to insert after (none: at the top).")
    input_schema = {"type": "object", "properties": {
        "notebook_path": {"type": "string"}, "cell_id": {"type": "string"}, "new_source": {"type": "string"},
        "cell_type": {"enum": ["code", "markdown"]}, "edit_mode": {"enum": ["replace", "insert", "delete"]}},
        "required": ["new_source"]}
    default_policy = "ask"

    def describe(self, input: dict[str, Any], ctx: ToolContext) -> str:
        mode = input.get("edit_mode") or "replace"
        where = f"cell {input['cell_id']}" if input.get("cell_id") else "the top of the notebook"
        body = "" if mode == "delete" else f"\n{input.get('new_source', '')}"
        return f"{mode} {input.get('cell_type') or 'code'} cell at {where}{body}"

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        if ctx.notebook is None:
            raise _NO_FRONT_END
        return ctx.notebook.edit(input)


TOOLS = (NotebookRead, NotebookEdit)
