"""`%%vibe` / `%vibe`: the IPython adapter over the core."""

from __future__ import annotations

from typing import Any


def load(ipython: Any) -> None:
    ipython.register_magic_function(_vibe_line, magic_kind="line", magic_name="vibe")
    ipython.register_magic_function(_vibe_cell, magic_kind="cell", magic_name="vibe")


def unload(ipython: Any) -> None:
    magics = ipython.magics_manager.magics
    magics["line"].pop("vibe", None)
    magics["cell"].pop("vibe", None)


def _vibe_line(line: str) -> None:
    raise NotImplementedError("%vibe is not implemented yet")


def _vibe_cell(line: str, cell: str) -> None:
    raise NotImplementedError("%%vibe is not implemented yet")
