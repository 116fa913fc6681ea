"""A real `jupyter lab` on a free port for browser tests, stopped by its own PID."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """`jupyter lab` with a token, temporary root/workspaces/settings dirs and its own env."""

    def __init__(self, base: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.root = base / "root"
        self.home = base / "vibe-home"
        for d in (self.root, self.home, base / "workspaces", base / "user-settings", base / "app-settings"):
            d.mkdir(parents=True, exist_ok=True)
        overrides = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                                       "checkForUpdates": False}}
        (base / "app-settings" / "overrides.json").write_text(json.dumps(overrides))
        self.env = {**env, "VIBING2_LAB_HOME": str(self.home), "JUPYTER_PLATFORM_DIRS": "1"}
        self.log_path = base / "lab.log"
        self.argv = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
            f"--port={self.port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
            f"--LabApp.workspaces_dir={base / 'workspaces'}",
            f"--LabApp.user_settings_dir={base / 'user-settings'}",
            f"--LabApp.app_settings_dir={base / 'app-settings'}",
            "--LabApp.news_url=", "--ServerApp.open_browser=False",
        ]
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lab_url(self, path: str = "lab") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.url}/{path}{sep}token={self.token}"

    def start(self, timeout: float = 60) -> "Lab":
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     cwd=self.root, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        pid = self.proc.pid
        os.killpg(pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
