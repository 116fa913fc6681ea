"""An agent whose frontmatter lists the real `mcp-server-time` (PyPI): the scripted fake model calls
`mcp__time__get_current_time`, the server's real answer reaches the model, the final answer follows;
replayed from the notebook record, no MCP server is started."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from tests.fakes.model_server import FakeModelServer, Reply, offered_tools, tool_results
from tests.mcp.conftest import FLAKY_SERVER, TIME_SERVER
from vibing2_lab.events import CompleteEvent, ToolResultEvent
from vibing2_lab.notebook.record import METADATA_KEY
from vibing2_lab.session import Ask, Session
from vibing2_lab.tools import ToolContext

CALL = {"id": "toolu_time_1", "name": "mcp__time__get_current_time", "input": {"timezone": "UTC"}}


@pytest.fixture
def clock_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "agents"
    folder.mkdir()
    (folder / "clock.md").write_text("---\nname: clock\ndescription: tells the time\ntools: mcp__time\n---\n"
                                     "You tell the time. Use the time tools, never guess.\n")
    (folder / "flaky-user.md").write_text("---\nname: flaky-user\ndescription: t\ntools: [mcp__flaky__crash]\n---\n"
                                          "You use a flaky server.\n")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(folder))
    return folder


def save_record(session: Session, path: Path) -> Path:
    """The notebook a %%vibe cell leaves: one output carrying the record."""
    output = nbformat.v4.new_output("display_data", data={"text/plain": session.calls[0].text},
                                    metadata={METADATA_KEY: session.record()})
    cell = nbformat.v4.new_code_cell("%%vibe --agent clock --allow mcp__time\nWhat time is it?", outputs=[output])
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=[cell])), encoding="utf-8")
    return path


def test_the_real_time_reaches_the_model_and_replay_starts_no_server(
        fake_model: FakeModelServer, clock_agent: Path, mcp_config, vibe_home: Path, tmp_path: Path) -> None:
    from vibing2_lab.mcp.client import pool
    from vibing2_lab.notebook.replay import ReplayIndex

    mcp_config({"time": TIME_SERVER})
    fake_model.enqueue(Reply(text="Checking the clock.", tool_uses=[CALL]),
                       Reply(text="It is a Tuesday-ish moment, per the server."))
    session = Session(Ask("What time is it?", agent="clock", allow="mcp__time"), tool_context=ToolContext(tmp_path))
    events = list(session.stream())
    session.raise_for_error()

    (result,) = [e for e in events if isinstance(e, ToolResultEvent)]
    assert result.status == "ok" and result.name == "mcp__time__get_current_time"
    assert offered_tools(fake_model.requests[0]) == ["mcp__time__get_current_time", "mcp__time__convert_time"]
    (sent,) = tool_results(fake_model.requests[1])  # what the model got back: the server's real answer
    sent_text = sent["content"] if isinstance(sent["content"], str) else sent["content"][0]["text"]
    answer = json.loads(sent_text)
    assert sent["id"] == CALL["id"] and sent["is_error"] is False and answer["timezone"] == "UTC"
    clock = datetime.fromisoformat(answer["datetime"])
    assert abs((datetime.now(timezone.utc) - clock).total_seconds()) < 120
    final = events[-1]
    assert isinstance(final, CompleteEvent)
    assert final.text == "Checking the clock.\n\nIt is a Tuesday-ish moment, per the server."
    consent = session.record()["calls"][0]["response"]["steps"][0]["results"][0]["consent"]
    assert consent["by"] == "allow-flag" and consent["verdict"] != "deny"

    # Replay from the record: the same answer, no model request, and the server is not even started.
    notebook = save_record(session, tmp_path / "clock.ipynb")
    pool().stop_all()
    pool().connections.clear()
    log = vibe_home / "logs" / "mcp-time.log"  # rewritten by every start of the server
    log.unlink()
    requests_before = len(fake_model.requests)
    replay = Session(Ask("What time is it?", agent="clock", allow="mcp__time", replay="strict"),
                     replay_index=ReplayIndex.from_notebooks([notebook]), tool_context=ToolContext(tmp_path))
    replayed = list(replay.stream())
    replay.raise_for_error()
    assert replayed[-1].text == final.text
    assert [e.content for e in replayed if isinstance(e, ToolResultEvent)] == [result.content]
    assert len(fake_model.requests) == requests_before
    assert pool().connections == {} and not log.exists()


def test_asking_first_by_default_and_denied_with_nobody_to_ask(
        fake_model: FakeModelServer, clock_agent: Path, mcp_config, tmp_path: Path) -> None:
    mcp_config({"time": TIME_SERVER})
    fake_model.enqueue(Reply(text="", tool_uses=[CALL]), Reply(text="I could not check."))
    session = Session(Ask("time?", agent="clock"), tool_context=ToolContext(tmp_path))
    events = list(session.stream())
    (result,) = [e for e in events if isinstance(e, ToolResultEvent)]
    assert result.status == "denied" and events[-1].text == "I could not check."


def test_a_server_crashing_mid_call_is_an_error_result_and_the_answer_goes_on(
        fake_model: FakeModelServer, clock_agent: Path, mcp_config, tmp_path: Path) -> None:
    mcp_config({"flaky": FLAKY_SERVER})
    fake_model.enqueue(Reply(text="Trying.", tool_uses=[{"id": "c1", "name": "mcp__flaky__crash", "input": {}}]),
                       Reply(text="The flaky server broke; here is what I know anyway."))
    session = Session(Ask("go", agent="flaky-user", allow="mcp__flaky"), tool_context=ToolContext(tmp_path))
    events = list(session.stream())
    (result,) = [e for e in events if isinstance(e, ToolResultEvent)]
    assert result.status == "error" and "MCP server 'flaky'" in result.content
    (sent,) = tool_results(fake_model.requests[1])
    assert "MCP server 'flaky'" in json.dumps(sent) and "Connection closed" in json.dumps(sent)
    assert events[-1].type == "complete" and events[-1].text.endswith("here is what I know anyway.")


def test_the_command_line_with_allow_mcp_time(fake_model: FakeModelServer, clock_agent: Path, mcp_config) -> None:
    import time

    from tests.conftest import run_cli

    mcp_config({"time": TIME_SERVER})
    fake_model.enqueue(Reply(text="", tool_uses=[CALL]), Reply(text="Time told."))
    started = time.monotonic()
    out = run_cli("ask", "--agent", "clock", "--allow", "mcp__time", "--json", "What time is it?")
    assert out.returncode == 0, out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines()]
    (result,) = [e for e in events if e["type"] == "tool_result"]
    assert result["status"] == "ok" and '"timezone": "UTC"' in result["content"]
    assert events[-1]["type"] == "complete" and events[-1]["text"] == "Time told."
    assert time.monotonic() - started < 30  # the server was stopped at exit, not waited for


def test_a_server_that_no_longer_starts_offers_its_last_tools_and_the_call_reports_why(
        fake_model: FakeModelServer, clock_agent: Path, mcp_config, tmp_path: Path, caplog) -> None:
    from vibing2_lab.config import load_settings
    from vibing2_lab.tools import default_toolbox

    mcp_config({"flaky": FLAKY_SERVER})
    default_toolbox(load_settings()).select(["mcp__flaky"])  # listed once, live
    mcp_config({"flaky": {**FLAKY_SERVER, "command": "no-such-python-for-mcp"}})  # then it breaks
    fake_model.enqueue(Reply(text="Trying.", tool_uses=[{"id": "c1", "name": "mcp__flaky__crash", "input": {}}]),
                       Reply(text="It did not work; carrying on."))
    session = Session(Ask("go", agent="flaky-user", allow="mcp__flaky"), tool_context=ToolContext(tmp_path))
    events = list(session.stream())
    assert "last known tools are offered" in caplog.text
    (result,) = [e for e in events if isinstance(e, ToolResultEvent)]
    assert result.status == "error" and "MCP server 'flaky'" in result.content
    assert "no-such-python-for-mcp" in result.content and "not found" in result.content
    assert events[-1].type == "complete" and events[-1].text.endswith("carrying on.")


def test_the_async_path_of_the_jupyter_server(fake_model: FakeModelServer, clock_agent: Path, mcp_config,
                                              tmp_path: Path) -> None:
    """`Session.astream` (the server extension's and `vibing2-lab mcp`'s path): the server starts
    off the event loop, the tool runs in a worker thread, the real result reaches the model."""
    import asyncio

    mcp_config({"time": TIME_SERVER})
    fake_model.enqueue(Reply(text="", tool_uses=[CALL]), Reply(text="Told, asynchronously."))

    async def main() -> list:
        session = Session(Ask("time?", agent="clock", allow="mcp__time"), tool_context=ToolContext(tmp_path))
        return [event async for event in session.astream()]

    events = asyncio.run(main())
    (result,) = [e for e in events if isinstance(e, ToolResultEvent)]
    assert result.status == "ok" and '"timezone": "UTC"' in result.content
    (sent,) = tool_results(fake_model.requests[1])
    assert json.loads(sent["content"])["timezone"] == "UTC" and events[-1].text == "Told, asynchronously."
