"""A notebook file read as JSON, strictly: no NaN or Infinity, no number too large for a float,
no nesting deep enough to exhaust the decoder; anything else is an ExportError saying what."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..errors import ExportError


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(literal: str) -> float:
    """A JSON number as a float; one too large for a float (1e309) is refused rather than read as
    infinity, which the store would keep and an export would turn into null."""
    value = float(literal)
    if math.isinf(value):
        raise ValueError(f"the number {literal[:40]} is too large")
    return value


def load_notebook(path: Path) -> dict[str, Any]:
    """A notebook file as a dict; ExportError if it is missing or not a notebook."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant,  # no NaN/Infinity
                        parse_float=_finite)
    except FileNotFoundError:
        raise ExportError(f"{path} does not exist.", hint="Check the path to the notebook.") from None
    except RecursionError:  # the decoder gives up past ~1,000 levels of [ or {
        raise ExportError(f"{path} is not a notebook (its JSON is nested too deeply to read).",
                          hint="Give a .ipynb file saved by Jupyter.") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ExportError(f"{path} is not a notebook (invalid JSON: {exc}).",
                          hint="Give a .ipynb file saved by Jupyter.") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ExportError(f"{path} is not a notebook (no cells).", hint="Give a .ipynb file saved by Jupyter.")
    return nb
