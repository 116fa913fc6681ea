"""Store fixtures: a fresh store file per test, and a runner for worker processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from vibing2_lab.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, vibe_home: Path) -> Store:
    """The migrated default store of this test, on each engine: the SQLite file of its
    VIBING2_LAB_HOME, or a fresh database of the session's PostgreSQL (VIBING2_LAB_DATABASE_URL
    is set, so CLI subprocesses and workers use it too)."""
    if request.param == "postgresql":
        request.getfixturevalue("postgresql_url")
    s = Store.open()
    yield s
    s.close()
    if request.param == "postgresql":
        assert not (vibe_home / "vibing2.db").exists(), "a SQLite file was written on PostgreSQL"


def count(store: Store, sql: str, *params: object) -> int:
    """One number from the store's own engine (a raw check beside the API)."""
    with store._db.read() as conn:
        return conn.execute(sql, params).fetchone()[0]


def assert_intact(store: Store) -> None:
    """The engine's own consistency check, then no row pointing at a missing parent."""
    if store.path is not None:
        conn = sqlite3.connect(store.path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.close()
        return
    # PostgreSQL enforces its foreign keys itself; this checks it did.
    for child, parent in (("messages", "project_id"), ("files", "project_id")):
        assert count(store, f"SELECT count(*) FROM {child} c WHERE NOT EXISTS"
                            f" (SELECT 1 FROM projects p WHERE p.id = c.{parent})") == 0


def start_worker(*args: str) -> subprocess.Popen:
    """`python -m tests.store.workers ARGS` as a real process (stdout/stderr captured)."""
    return subprocess.Popen([sys.executable, "-m", "tests.store.workers", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
