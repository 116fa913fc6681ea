"""Re-run a notebook headlessly in replay mode and report every cell whose output changed.

Outputs are compared as saved (JSON), except the widget view: it is only a pointer to a
live widget (a random model id, its state kept elsewhere), present when the notebook was
run with widgets and absent from an exported project; its content, the record and the
static renderings, is compared. nbval leaves it out too.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from .record import METADATA_KEY

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
    """Outputs as JSON-ready dicts without the widget view (see the module docstring) and
    with multi-line strings joined, as a saved .ipynb splits them into lists of lines."""
    result = []
    for output in json.loads(json.dumps(outputs)):
        data = output.get("data")
        if isinstance(data, dict):
            output["data"] = data = {k: "".join(v) if isinstance(v, list) else v for k, v in data.items()}
        if isinstance(output.get("text"), list):
            output["text"] = "".join(output["text"])
        if isinstance(data, dict):
            data.pop(WIDGET_VIEW, None)
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


def recorded_cell_id(cell: dict[str, Any]) -> str | None:
    """The cell id the kernel saw when the cell's record was made (None: nbclient and other
    headless runs send none; JupyterLab sends the cell's id)."""
    for output in cell.get("outputs") or []:
        record = (output.get("metadata") or {}).get(METADATA_KEY)
        if isinstance(record, dict):
            return record.get("cell_id") if isinstance(record.get("cell_id"), str) else None
    return None


def execute(nb: dict[str, Any], *, cwd: Path, timeout: int = 120) -> dict[str, Any]:
    """Execute a copy of the notebook with nbclient in `cwd`; returns the executed copy."""
    import nbformat

    work = nbformat.reads(json.dumps(nb), as_version=4)  # also joins list-of-lines sources
    _replayer()(work, timeout=timeout, kernel_name="python3", allow_errors=True,
                resources={"metadata": {"path": str(cwd)}}).execute()
    return json.loads(json.dumps(work))


def _replayer() -> type:
    """An nbclient NotebookClient that sends each cell the cell id its record was made with
    (execute_request metadata `cellId`, as JupyterLab sends it), so the replayed record
    carries the same id: an exported project or a notebook recorded in JupyterLab replays
    identically, and one recorded headless (no id) too."""
    from nbclient import NotebookClient

    class Replayer(NotebookClient):
        async def async_execute_cell(self, cell: Any, cell_index: int, execution_count: int | None = None,
                                     store_history: bool = True) -> Any:
            self.kc.execute = partial(_execute, self.kc, recorded_cell_id(cell))
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    return Replayer


def _execute(kc: Any, cell_id: str | None, code: str, *, store_history: bool = True,
             stop_on_error: bool = True, **_: Any) -> str:
    """KernelClient.execute with the cell id in the request metadata (it has no parameter for it)."""
    content = {"code": code, "silent": False, "store_history": store_history, "user_expressions": {},
               "allow_stdin": False, "stop_on_error": stop_on_error}
    msg = kc.session.msg("execute_request", content, metadata={"cellId": cell_id} if cell_id else {})
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def check_nbformat(nb: dict[str, Any], path: Path) -> None:
    """ExportError unless nbformat reads `nb` as a valid version 4 notebook (a v3 one is converted):
    nbclient would stop on a cell that is not a dict or a source that is a number with a traceback.
    The error names the field, never its value (schema_errors.py)."""
    import jsonschema
    import nbformat

    from ..errors import ExportError
    from ..keys import redact
    from .schema_errors import schema_field, schema_reason

    hint = "Open and save it with JupyterLab (or `jupyter nbconvert --to notebook`) so it is valid nbformat 4."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a missing cell id is fixed by nbformat, not our concern
            nbformat.validate(nbformat.reads(json.dumps(nb), as_version=4))
    except jsonschema.ValidationError as exc:
        field = schema_field(exc.absolute_path) or "the notebook"
        reason = schema_reason(exc) if exc.absolute_path else "is not a version 4 notebook nbformat can read"
        raise ExportError(redact(f"{path} is not a valid notebook: {field}: {reason}."), hint=hint) from None
    except (TypeError, AttributeError, KeyError, ValueError) as exc:  # nbformat's converters assume the shape
        raise ExportError(f"{path} is not a valid notebook: nbformat cannot read it ({type(exc).__name__}).",
                          hint=hint) from None


def replay_notebook(path: Path, *, timeout: int = 120, keep_store: bool = False,
                    vibe_only: bool = False) -> list[CellDiff]:
    """Replay `path` offline (strict) and return the cells whose outputs differ.

    Every code cell is executed, like Run All; with `vibe_only`, only the `%%vibe` cells
    (and `%load_ext vibing2_lab`) run and are compared: a notebook from someone else can
    then be checked without running its code."""
    from .loading import load_notebook

    nb = load_notebook(path)
    check_nbformat(nb, path)
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
