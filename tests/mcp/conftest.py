"""MCP test helpers: write config.yaml's mcp_servers, a tiny HTTP server that refuses every request."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
TIME_SERVER = {"command": "mcp-server-time", "args": ["--local-timezone", "UTC"]}
FLAKY_SERVER = {"command": sys.executable, "args": ["-m", "tests.fakes.mcp_server"], "env": {"PYTHONPATH": str(REPO)}}


@pytest.fixture
def mcp_config(vibe_home: Path) -> Any:
    """`mcp_config({"time": {...}})` writes config.yaml's mcp_servers; servers are stopped after the test."""
    def write(servers: dict[str, Any], **more: Any) -> Path:
        path = vibe_home / "config.yaml"
        path.write_text(yaml.safe_dump({"mcp_servers": servers, **more}), encoding="utf-8")
        return path

    yield write
    from vibing2_lab.mcp import client

    if client._POOL is not None:
        client._POOL.stop_all()
        client._POOL.connections.clear()


def processes_tagged(tag: str) -> list[int]:
    """PIDs whose environment carries `tag` (our MCP server, started by the kernel)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and tag.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def tagged(server: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """`server` with a unique variable in its environment, to find its processes."""
    import uuid

    tag = f"VIBE_MCP_TAG_{uuid.uuid4().hex}"
    return {**server, "env": {**server.get("env", {}), tag: "1"}}, tag


class _Refuse(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.server.seen.append(dict(self.headers))  # type: ignore[attr-defined]
        body = b'{"error": "invalid token"}'
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Bearer realm="docs"')
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_DELETE = do_POST

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def refusing_server() -> Iterator[ThreadingHTTPServer]:
    """A real HTTP server on 127.0.0.1 that answers 401 to everything; `.seen` keeps request headers."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
