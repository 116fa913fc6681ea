"""A notebook file read as strict JSON (strict_json.py: no NaN or Infinity; no number too large for
a float, such as 1e309, which read as infinity the store would keep and an export turn into null),
and no nesting deep enough to exhaust the decoder; anything else is an ExportError saying what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import strict_json
from ..errors import ExportError


def load_notebook(path: Path) -> dict[str, Any]:
    """A notebook file as a dict; ExportError if it is missing or not a notebook."""
    try:
        nb = strict_json.loads(path.read_text(encoding="utf-8"))
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
