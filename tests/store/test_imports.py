"""Importing the store's names and its CLI modules loads neither sqlite3 nor DuckDB."""

from __future__ import annotations

import json
import subprocess
import sys


def test_store_names_and_cli_modules_are_cheap_to_import() -> None:
    code = (
        "import sys, json\n"
        "import vibing2_lab.store\n"
        "from vibing2_lab.store import Project, Message, Run, extract_files, export_files, inline_preview\n"
        "import vibing2_lab.cli.projects, vibing2_lab.cli.stats\n"
        "from vibing2_lab.cli import build_parser\n"
        "build_parser()\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlite3', 'duckdb', '_sqlite3'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_store_and_duckdb_load_when_used() -> None:
    code = ("import sys, vibing2_lab.store as s\n"
            "s.Store\nassert 'sqlite3' in sys.modules and 'duckdb' not in sys.modules\n"
            "s.stats_rows\nassert 'duckdb' not in sys.modules  # only when stats run\nprint('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
