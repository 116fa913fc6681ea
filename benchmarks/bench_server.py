"""The benchmarks' Jupyter server: `jupyter server` with the extension (and the bare relay of
relay_floor.py) in a subprocess, its own data dir and token, pointed at the fake model server."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.fakes.model_server import FakeModelServer

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterServer:
    """`jupyter server` with the extension, its own data dir and token; stopped by its PID."""

    def __init__(self, fake: FakeModelServer, base: Path, streams: int, pin: bool = False) -> None:
        self.port, self.token = free_port(), secrets.token_hex(16)
        home = base / "vibe-home"
        home.mkdir()
        (home / "config.yaml").write_text("providers:\n  anthropic: {rate_limit_rpm: 0}\n")
        (base / "root").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_", "VIBING2_LAB_"))}
        env.update(ANTHROPIC_BASE_URL=fake.url, ANTHROPIC_API_KEY="sk-ant-fake-bench", VIBING2_LAB_HOME=str(home),
                   JUPYTER_PLATFORM_DIRS="1", JUPYTER_RUNTIME_DIR=str(base / "runtime"),
                   PYTHONPATH=os.pathsep.join(p for p in (str(REPO / "benchmarks"), env.get("PYTHONPATH")) if p))
        self.log = (base / "server.log").open("wb")
        self.proc = subprocess.Popen(
            [*(["taskset", "-c", "0"] if pin else []), *os.environ.get("VIBE_BENCH_SERVER_WRAP", "").split(),
             sys.executable,
             *os.environ.get("VIBE_BENCH_SERVER_PREFIX", "").split(), "-m", "jupyter_server", "--no-browser",
             f"--port={self.port}",
             "--allow-root", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={base / 'root'}", f"--Vibing2Lab.max_concurrent_streams={streams + 8}",
             "--ServerApp.jpserver_extensions=relay_floor=True",  # the bare relay (the peer)
             "--ServerApp.log_level=WARN"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/vibing2-lab/api/health?token={self.token}", timeout=2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    log = (base / "server.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"jupyter server exited:\n{log}") from None
                time.sleep(0.2)
        raise RuntimeError("jupyter server did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The server's process: under VIBE_BENCH_SERVER_WRAP, the wrapper's child."""
        if not os.environ.get("VIBE_BENCH_SERVER_WRAP"):
            return self.proc.pid
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return int(children[0]) if children else self.proc.pid

    def cpu_seconds(self) -> tuple[float, float]:
        """(user, system) CPU time the server process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) / os.sysconf("SC_CLK_TCK"), int(fields[12]) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.pid != self.proc.pid:  # a wrapper (a profiler) writes its output once the server ends
            os.kill(self.pid, signal.SIGTERM)
        else:
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()
