"""`%vibe mcp` in a real kernel: servers started once per kernel, reused, and gone with the kernel."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from tests.magics.conftest import error_of, execute, notebook, texts
from tests.mcp.conftest import FLAKY_SERVER, TIME_SERVER, processes_tagged

pytestmark = pytest.mark.kernel


def test_vibe_mcp_lists_servers_and_the_kernel_reuses_then_stops_them(mcp_config) -> None:
    tag = f"VIBE_MCP_TAG_{uuid.uuid4().hex}"
    flaky = {**FLAKY_SERVER, "env": {**FLAKY_SERVER["env"], tag: "1"}}
    mcp_config({"time": TIME_SERVER, "flaky": flaky, "ghost": {"command": "no-such-mcp-server-cmd"}})
    count = f"from tests.mcp.conftest import processes_tagged\nprint(len(processes_tagged({tag!r})))"
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


def test_a_notebook_using_mcp_time_replays_identically_without_starting_it(
        fake_model, mcp_config, vibe_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import nbformat

    from tests.fakes.model_server import Reply
    from vibing2_lab.notebook.rerun import comparable

    agents = tmp_path / "agents"
    agents.mkdir()
    (agents / "clock.md").write_text("---\nname: clock\ndescription: tells the time\ntools: [mcp__time]\n---\n"
                                     "Use the time tool.\n")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(agents))
    mcp_config({"time": TIME_SERVER})
    fake_model.enqueue(Reply(text="Asking the clock.", tool_uses=[
        {"id": "t1", "name": "mcp__time__get_current_time", "input": {"timezone": "UTC"}}]),
        Reply(text="It is now, in UTC."))
    path = tmp_path / "clock.ipynb"
    live = execute(notebook("%%vibe --agent clock --allow mcp__time\nWhat time is it?"), cwd=tmp_path)
    assert error_of(live.cells[1]) is None, error_of(live.cells[1])
    path.write_text(nbformat.writes(live), encoding="utf-8")
    assert "It is now, in UTC." in json.dumps(live.cells[1].outputs)
    log = vibe_home / "logs" / "mcp-time.log"  # every start of the server rewrites it
    assert log.exists()
    log.unlink()

    requests = len(fake_model.requests)
    monkeypatch.setenv("VIBING2_LAB_MODE", "replay")
    monkeypatch.setenv("VIBING2_LAB_REPLAY_PACE", "0")
    replayed = execute(nbformat.reads(path.read_text(), as_version=4), cwd=tmp_path)
    assert error_of(replayed.cells[1]) is None, error_of(replayed.cells[1])
    saved = json.loads(path.read_text())["cells"][1]["outputs"]
    again = json.loads(nbformat.writes(replayed))["cells"][1]["outputs"]
    assert json.dumps(comparable(saved), sort_keys=True) == json.dumps(comparable(again), sort_keys=True)
    assert len(fake_model.requests) == requests and not log.exists()  # no model call, no MCP server
