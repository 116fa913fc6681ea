"""What the running kernel knows that a `%%vibe` cell needs: cell id, kernel id, notebook name."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .state import state_of

FALLBACK_PROJECT = "scratch"  # no notebook name known (plain IPython, nbclient without a session name)
MAX_NAME = 120  # store.models.MAX_NAME_LENGTH
RECENT_CELLS = 5  # inputs given to --auto as context
_KERNEL_FILE = re.compile(r"^kernel-(.+)\.json$")


def has_widgets(shell: Any) -> bool:
    """True in a Jupyter kernel (a front end may render widgets); False in a terminal."""
    return getattr(shell, "kernel", None) is not None


def cell_id(shell: Any) -> str | None:
    """The notebook cell id of the running cell, from the execute_request metadata."""
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return None
    try:
        parent = kernel.get_parent()
    except Exception:  # an older or unusual kernel: the id is a nicety, not a requirement
        return None
    value = ((parent or {}).get("metadata") or {}).get("cellId")
    return str(value) if value else None


def kernel_id(shell: Any) -> str:
    """This kernel's id as the Jupyter server knows it (its connection file is kernel-<id>.json)."""
    if not has_widgets(shell):
        return ""
    try:
        from ipykernel.connect import get_connection_file

        match = _KERNEL_FILE.match(Path(get_connection_file()).name)
    except Exception:  # not started by a Jupyter server
        return ""
    return match.group(1) if match else ""


def notebook_path(shell: Any) -> Path | None:
    """The notebook's file, when the kernel knows it (Jupyter server sets JPY_SESSION_NAME)."""
    session = str(shell.user_ns.get("__session__") or os.environ.get("JPY_SESSION_NAME") or "")
    if not session.endswith(".ipynb"):
        return None
    return Path.cwd() / session  # an absolute session path stays as it is


def notebook_name(shell: Any) -> str | None:
    """The notebook's file name without .ipynb, when the kernel knows it."""
    path = notebook_path(shell)
    name = path.name if path is not None else ""
    if not name.endswith(".ipynb"):
        return None
    name = name[: -len(".ipynb")][:MAX_NAME].strip()  # a long file name still makes a valid project name
    return name or None


def project_for(shell: Any, explicit: str | None) -> str:
    """The project a cell uses: -p NAME, else `%vibe use NAME`, else the notebook's name."""
    return explicit or state_of(shell).project or notebook_name(shell) or FALLBACK_PROJECT


def interpolation_inputs(shell: Any) -> dict[str, Any]:
    """Keyword arguments for interpolate(): the user namespace, In, Out and the error log."""
    ns = shell.user_ns
    return {"namespace": ns, "inputs": ns.get("In", []), "outputs": ns.get("Out", {}),
            "errors": state_of(shell).errors}


def recent_cells(shell: Any) -> str:
    """The last few inputs before this cell, for --auto agent selection."""
    inputs = list(shell.user_ns.get("In", []))[:-1]
    return "\n\n".join(str(source) for source in inputs[-RECENT_CELLS:] if source)

