"""vibing2-lab: Vibing2's specialist AI agents in Jupyter.

Importing this package is cheap on purpose: everything heavy (httpx, tornado,
anywidget, duckdb, nbformat) is imported inside the function that needs it.
"""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__
except ImportError:  # a source checkout that was never built
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("vibing2-lab")
    except PackageNotFoundError:
        __version__ = "0.0.0+unknown"

__all__ = ["__version__", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext vibing2_lab`: register the `%%vibe` and `%vibe` magics."""
    from .magics import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """`%unload_ext vibing2_lab`."""
    from .magics import unload

    unload(ipython)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "vibing2-lab"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server.extension import Vibing2Lab

    return [{"module": "vibing2_lab", "app": Vibing2Lab}]
