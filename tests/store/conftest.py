"""Store fixtures: a fresh store file per test, and a runner for worker processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vibing2_lab.store import Store


@pytest.fixture
def store(vibe_home: Path) -> Store:
    """The migrated default store of this test's VIBING2_LAB_HOME (CLI subprocesses see it too)."""
    s = Store.open()
    yield s
    s.close()


def start_worker(*args: str) -> subprocess.Popen:
    """`python -m tests.store.workers ARGS` as a real process (stdout/stderr captured)."""
    return subprocess.Popen([sys.executable, "-m", "tests.store.workers", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
