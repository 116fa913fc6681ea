"""The package imports cheaply, loads as an IPython extension, and ships its entry points."""

from __future__ import annotations

import json
import subprocess
import sys

import vibing2_lab

HEAVY = ("httpx", "aiohttp", "tornado", "duckdb", "anywidget", "nbformat", "anthropic", "openai", "mcp", "pydantic",
         "jupyter_server", "yaml", "keyring", "sqlite3")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_version_is_a_release_string() -> None:
    assert vibing2_lab.__version__.count(".") >= 2


def test_import_pulls_in_no_heavy_module() -> None:
    loaded = _modules_after("import vibing2_lab")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_load_ext_pulls_in_no_heavy_module() -> None:
    code = (
        "from IPython.testing.globalipapp import start_ipython\n"
        "import sys\nbefore = set(sys.modules)\n"
        "ip = start_ipython()\nbefore = set(sys.modules)\n"
        "ip.run_line_magic('load_ext', 'vibing2_lab')\n"
        "assert 'vibe' in ip.magics_manager.magics['cell'] and 'vibe' in ip.magics_manager.magics['line']\n"
        "print('NEW', sorted(set(sys.modules) - before))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    new = set(eval(out.split("NEW", 1)[1].strip()))
    heavy = {m for m in new if m.split(".")[0] in HEAVY}
    assert not heavy, sorted(heavy)


def test_labextension_and_server_extension_points() -> None:
    assert vibing2_lab._jupyter_labextension_paths() == [{"src": "labextension", "dest": "vibing2-lab"}]
    (point,) = vibing2_lab._jupyter_server_extension_points()
    assert point["module"] == "vibing2_lab" and point["app"].name == "vibing2_lab"


def test_console_script_prints_the_version() -> None:
    from tests.conftest import run_cli

    out = run_cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"vibing2-lab {vibing2_lab.__version__}"
