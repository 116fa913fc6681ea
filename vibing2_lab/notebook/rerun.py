"""Re-run a notebook headlessly in replay mode and report every cell whose output changed.

Outputs are compared as saved (JSON), except the widget view's model id, which is random
by nature (a live widget gets a new one on every run; nbval ignores it too).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ExportError

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@dataclass
class CellDiff:
    """A cell whose outputs differ between the saved notebook and its replay."""

    index: int
    cell_id: str | None
    expected: list[dict[str, Any]]
    actual: list[dict[str, Any]]

    def summary(self) -> str:
        first = self.cell_id or f"#{self.index}"
        return f"cell {first} (index {self.index}): {len(self.expected)} saved output(s), {len(self.actual)} replayed"


def comparable(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outputs as JSON-ready dicts with what is random by nature taken out (and multi-line
    strings joined, as a saved .ipynb splits them into lists of lines)."""
    result = []
    for output in json.loads(json.dumps(outputs)):
        data = output.get("data")
        if isinstance(data, dict):
            output["data"] = data = {k: "".join(v) if isinstance(v, list) else v for k, v in data.items()}
        if isinstance(output.get("text"), list):
            output["text"] = "".join(output["text"])
        if isinstance(data, dict) and WIDGET_VIEW in data:
            data[WIDGET_VIEW] = {k: v for k, v in data[WIDGET_VIEW].items() if k != "model_id"}
        output.get("metadata", {}).pop("transient", None)
        result.append(output)
    return result


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def is_vibe_cell(cell: dict[str, Any]) -> bool:
    """A code cell that asks (`%%vibe`) or loads the extension the asking needs."""
    source = _source(cell).lstrip()
    return cell.get("cell_type") == "code" and (
        source.startswith("%%vibe") or source.strip() == "%load_ext vibing2_lab")


def only_vibe(nb: dict[str, Any]) -> dict[str, Any]:
    """A copy of `nb` whose other code cells are emptied, so replaying it runs no code of its own."""
    cells = [cell if cell.get("cell_type") != "code" or is_vibe_cell(cell)
             else {**cell, "source": "", "outputs": []} for cell in nb["cells"]]
    return {**nb, "cells": cells}


def diff_notebooks(expected: dict[str, Any], actual: dict[str, Any], *, vibe_only: bool = False) -> list[CellDiff]:
    """Cells whose comparable outputs differ (code cells only, matched by position)."""
    diffs = []
    for i, (old, new) in enumerate(zip(expected["cells"], actual["cells"])):
        if old.get("cell_type") != "code" or (vibe_only and not is_vibe_cell(old)):
            continue
        a, b = comparable(old.get("outputs", [])), comparable(new.get("outputs", []))
        if a != b:
            diffs.append(CellDiff(i, old.get("id"), a, b))
    return diffs


def execute(nb: dict[str, Any], *, cwd: Path, timeout: int = 120) -> dict[str, Any]:
    """Execute a copy of the notebook with nbclient in `cwd`; returns the executed copy."""
    import nbformat
    from nbclient import NotebookClient

    work = nbformat.reads(json.dumps(nb), as_version=4)  # also joins list-of-lines sources
    NotebookClient(work, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return json.loads(json.dumps(work))


def replay_notebook(path: Path, *, timeout: int = 120, keep_store: bool = False,
                    vibe_only: bool = False) -> list[CellDiff]:
    """Replay `path` offline (strict) and return the cells whose outputs differ.

    Every code cell is executed, like Run All; with `vibe_only`, only the `%%vibe` cells
    (and `%load_ext vibing2_lab`) run and are compared: a notebook from someone else can
    then be checked without running its code."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"Cannot read {path} as a notebook: {exc}", hint="Give a .ipynb file.") from None
    saved = dict(os.environ)
    home = None if keep_store else tempfile.TemporaryDirectory(prefix="vibe-replay-")
    os.environ.update({"VIBING2_LAB_MODE": "replay", "VIBING2_LAB_REPLAY_NOTEBOOK": str(path.resolve()),
                       "VIBING2_LAB_REPLAY_PACE": "0"})
    if home is not None:
        os.environ["VIBING2_LAB_HOME"] = home.name
    try:
        replayed = execute(only_vibe(nb) if vibe_only else nb, cwd=path.resolve().parent, timeout=timeout)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if home is not None:
            home.cleanup()
    return diff_notebooks(nb, replayed, vibe_only=vibe_only)
