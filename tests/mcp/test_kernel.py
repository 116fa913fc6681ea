"""`%vibe mcp` in a real kernel: servers started once per kernel, reused, and gone with the kernel."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from tests.magics.conftest import error_of, execute, notebook, texts
from tests.mcp.conftest import FLAKY_SERVER, TIME_SERVER

pytestmark = pytest.mark.kernel


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


def test_vibe_mcp_lists_servers_and_the_kernel_reuses_then_stops_them(mcp_config) -> None:
    tag = f"VIBE_MCP_TAG_{uuid.uuid4().hex}"
    flaky = {**FLAKY_SERVER, "env": {**FLAKY_SERVER["env"], tag: "1"}}
    mcp_config({"time": TIME_SERVER, "flaky": flaky, "ghost": {"command": "no-such-mcp-server-cmd"}})
    count = f"from tests.mcp.test_kernel import processes_tagged\nprint(len(processes_tagged({tag!r})))"
    nb = execute(notebook("%vibe mcp", count, "%vibe mcp", count))
    listing, first, again, second = nb.cells[1:]
    assert all(error_of(c) is None for c in nb.cells[1:]), [error_of(c) for c in nb.cells[1:]]
    table = "\n".join(o["data"]["text/plain"] for o in listing.outputs if o.output_type == "display_data")
    assert "time    stdio" in table and "running" in table and "mcp__time__get_current_time" in table
    assert "mcp__flaky__echo" in table
    assert "failed: MCP server 'ghost': command 'no-such-mcp-server-cmd' not found" in table
    assert texts(first.outputs).strip() == texts(second.outputs).strip() == "1"  # one process, reused
    deadline = time.monotonic() + 10
    while processes_tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_tagged(tag) == []  # stopped with the kernel
