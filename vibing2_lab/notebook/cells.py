"""A notebook's cells as an agent reads them (the NotebookRead result), from either source:

    live    the JSON the front end sends for the open notebook (labextension/bridge.ts):
            {"path": ..., "cells": [{"index", "id", "cell_type", "source", "execution_count",
                                     "outputs": [text, ...], "running_this_agent"}]}
    saved   the .ipynb on disk (no front end attached), read with nbformat

Both become the same cell dicts, then one text; only the header says which version it is,
so the model knows whether it saw unsaved edits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import ToolError
from ..tools.base import cut

OUTPUT_CHARS = 2_000  # of one output (bridge.ts cuts the same)
WIDGET = "application/vnd.jupyter.widget-view+json"


def _cut(text: str) -> str:
    return cut(text, OUTPUT_CHARS)


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else value if isinstance(value, str) else ""


def output_text(output: Mapping[str, Any]) -> str:
    """What a reader sees of one nbformat output: stream text, text/plain, or the error line."""
    kind = output.get("output_type")
    if kind == "stream":
        return _cut(_joined(output.get("text")))
    if kind == "error":
        return f"{output.get('ename')}: {output.get('evalue')}"
    data = output.get("data") or {}
    if WIDGET in data and "text/markdown" not in data:
        return "[a live widget]"  # its text/plain is only a Python repr
    if "text/plain" in data:
        return _cut(_joined(data["text/plain"]))
    return f"[{', '.join(data) or 'no data'}]"


def saved_cells(path: Path) -> list[dict[str, Any]]:
    """The cells of the .ipynb at `path`, as the live bridge lists them."""
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as exc:  # missing, unreadable or not a notebook
        raise ToolError(f"Could not read the saved notebook {path.name}: {exc}.",
                        hint="Save the notebook, or open it in JupyterLab to read the live version.") from None
    return [{"index": i, "id": cell.get("id"), "cell_type": cell.get("cell_type"), "source": cell.get("source", ""),
             "execution_count": cell.get("execution_count"),
             "outputs": [output_text(o) for o in cell.get("outputs") or []]}
            for i, cell in enumerate(nb.cells)]


def cells_text(cells: Iterable[Mapping[str, Any]], *, path: str, version: str) -> str:
    """The NotebookRead result: a header, then each cell's id, type, source and text outputs."""
    cells = list(cells)
    parts = [f"Notebook {path} ({version}, {len(cells)} cells). Use a cell's id as NotebookEdit's cell_id."]
    for cell in cells:
        facts = [f"cell {cell.get('index')}", f"id {cell.get('id')}", str(cell.get("cell_type"))]
        if cell.get("execution_count") is not None:
            facts.append(f"[{cell['execution_count']}]")
        if cell.get("running_this_agent"):
            facts.append("running this agent")
        parts.append("── " + " · ".join(facts) + " ──\n" + str(cell.get("source") or ""))
        for text in cell.get("outputs") or []:
            parts.append(f"→ output:\n{text}")
    return "\n".join(parts)
