"""Helpers for the magics tests: notebooks executed by nbclient in real kernels.

Kernels inherit the test's environment (fake model server URLs and keys, VIBING2_LAB_HOME,
PYTHONPATH so they can import tests.*), set by the root conftest's fixtures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import nbformat
import pytest
from nbclient import NotebookClient

from vibing2_lab.notebook.record import METADATA_KEY

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(autouse=True)
def fast_retries(vibe_home: Path) -> Path:
    """config.yaml with one quick retry, so a permanent 500 fails in well under a second."""
    path = vibe_home / "config.yaml"
    path.write_text("retries: {max: 1, base_delay: 0.01, max_delay: 0.02}\n", encoding="utf-8")
    return path


def notebook(*sources: str, load: bool = True) -> Any:
    """A notebook whose first cell loads the extension, then one code cell per source."""
    cells = ([nbformat.v4.new_code_cell("%load_ext vibing2_lab")] if load else [])
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    return nbformat.v4.new_notebook(cells=cells)


def execute(nb: Any, *, cwd: Path | None = None, timeout: int = 60) -> Any:
    """Run every cell in a fresh python3 kernel; errors stay in the outputs (allow_errors)."""
    resources = {"metadata": {"path": str(cwd)}} if cwd else {}
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True, resources=resources).execute()
    return nb


def vibe_output(cell: Any) -> dict[str, Any]:
    """The one output of a %%vibe cell that carries the record."""
    found = [o for o in cell.outputs if METADATA_KEY in (o.get("metadata") or {})]
    assert len(found) == 1, cell.outputs
    return found[0]


def record_of(cell: Any) -> dict[str, Any]:
    return vibe_output(cell)["metadata"][METADATA_KEY]


def error_of(cell: Any) -> dict[str, Any] | None:
    errors = [o for o in cell.outputs if o.output_type == "error"]
    return errors[0] if errors else None


def texts(outputs: Iterable[Any]) -> str:
    """All stream text of some outputs."""
    return "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
