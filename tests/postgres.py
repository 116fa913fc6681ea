"""A real PostgreSQL server for the tests: initdb in a temp dir, a free port, stopped at the end.

Without PostgreSQL installed the tests that need it skip with a loud reason, unless CI=true
(then they fail): .ci/run installs it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One throwaway cluster; `new_database()` gives each test its own database URL."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="vibing2-pg-"))
        self.port = _free_port()
        self.root = os.getuid() == 0  # the server refuses to run as root
        if self.root:
            shutil.chown(self.dir, "postgres")
            os.chmod(self.dir, 0o755)
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=300"
                  " -c fsync=off", "-l", str(self.dir / "log"), "-w", "start")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    def new_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{self.url}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"{self.url}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def start_or_skip() -> PostgresServer:
    bindir = _bin_dir()
    if bindir is None:
        reason = "PostgreSQL is not installed (no initdb): the PostgreSQL half of the store tests DID NOT RUN"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: install it, .ci/run does)")
        pytest.skip(reason)
    return PostgresServer(bindir)
