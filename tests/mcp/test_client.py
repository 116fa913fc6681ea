"""The MCP client against real servers: mcp-server-time (PyPI), a misbehaving stdio server of
ours, and a real HTTP server that refuses the token. No SDK part is faked."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.mcp.conftest import FLAKY_SERVER, TIME_SERVER, processes_tagged, tagged
from vibing2_lab.config import load_settings
from vibing2_lab.errors import ConfigError, McpServerError, ToolError
from vibing2_lab.tools import ToolContext, default_toolbox


def select(*names: str) -> tuple[list, list]:
    return default_toolbox(load_settings()).select(names)


def test_a_whole_server_or_one_tool_from_real_mcp_server_time(mcp_config, tmp_path: Path) -> None:
    mcp_config({"time": TIME_SERVER})
    tools, unknown = select("mcp__time", "Read")
    assert unknown == []
    assert [t.name for t in tools] == ["mcp__time__get_current_time", "mcp__time__convert_time", "Read"]
    now = tools[0]
    assert now.default_policy == "ask" and now.input_schema["required"] == ["timezone"]
    text = now.run({"timezone": "UTC"}, ToolContext(cwd=tmp_path))
    assert '"timezone": "UTC"' in text and '"datetime": "20' in text
    (one,), unknown = select("mcp__time__convert_time", "mcp__time__nope")
    assert one.name == "mcp__time__convert_time" and unknown == ["mcp__time__nope"]


def test_one_server_process_per_process_reused_across_asks(mcp_config, tmp_path: Path) -> None:
    from vibing2_lab.mcp.client import pool

    mcp_config({"flaky": FLAKY_SERVER})
    first = {t.name: t for t in select("mcp__flaky")[0]}
    pid = first["mcp__flaky__env"].run({"name": "MCP_PID_PROBE"}, ToolContext(cwd=tmp_path))
    second = {t.name: t for t in select("mcp__flaky")[0]}  # a new toolbox, as the next ask builds
    assert second["mcp__flaky__echo"].run({"text": "again"}, ToolContext(cwd=tmp_path)) == "echo: again"
    assert pid == "<unset>" and len(pool().connections) == 1 and pool().connections["flaky"].status == "running"


def test_command_not_found_names_the_server_and_the_answer_goes_on(mcp_config, caplog) -> None:
    mcp_config({"ghost": {"command": "no-such-mcp-server-cmd"}})
    tools, unknown = select("mcp__ghost", "Read")
    assert [t.name for t in tools] == ["Read"] and unknown == ["mcp__ghost"]
    assert "'ghost'" in caplog.text and "no-such-mcp-server-cmd" in caplog.text and "not found" in caplog.text


def test_a_server_that_dies_at_start_quotes_its_last_words(mcp_config) -> None:
    from vibing2_lab.mcp.client import pool

    mcp_config({"dies": {**FLAKY_SERVER, "args": [*FLAKY_SERVER["args"], "--die-at-start"]}})
    with pytest.raises(McpServerError) as info:
        pool().tools(load_settings().mcp_servers["dies"])
    assert info.value.server == "dies" and "frobnicator" in str(info.value)


def test_crash_mid_call_is_a_tool_error_and_the_next_call_restarts_it(mcp_config, tmp_path: Path) -> None:
    server, tag = tagged(FLAKY_SERVER)
    mcp_config({"flaky": server})
    tools = {t.name: t for t in select("mcp__flaky")[0]}
    first = processes_tagged(tag)
    with pytest.raises(McpServerError) as info:
        tools["mcp__flaky__crash"].run({}, ToolContext(cwd=tmp_path))
    assert "'flaky'" in str(info.value) and "crash" in str(info.value) and "Connection closed" in str(info.value)
    assert tools["mcp__flaky__echo"].run({"text": "back"}, ToolContext(cwd=tmp_path)) == "echo: back"
    second = processes_tagged(tag)
    assert len(first) == len(second) == 1 and first != second  # a new process replaced the dead one


def test_a_tool_that_hangs_times_out_and_the_server_stays_usable(mcp_config, tmp_path: Path) -> None:
    import time

    server, tag = tagged({**FLAKY_SERVER, "timeout": 1})
    mcp_config({"flaky": server})
    tools = {t.name: t for t in select("mcp__flaky")[0]}
    (pid,) = processes_tagged(tag)
    started = time.monotonic()
    with pytest.raises(McpServerError) as info:
        tools["mcp__flaky__hang"].run({}, ToolContext(cwd=tmp_path))
    assert time.monotonic() - started < 5
    assert "'flaky'" in str(info.value) and "within 1 s" in str(info.value) and "timeout" in str(info.value)
    assert tools["mcp__flaky__echo"].run({"text": "still here"}, ToolContext(cwd=tmp_path)) == "echo: still here"
    assert processes_tagged(tag) == [pid]  # the same process answered: a slow tool is not a dead server


def test_an_error_result_names_the_server(mcp_config, tmp_path: Path) -> None:
    mcp_config({"flaky": FLAKY_SERVER})
    tools = {t.name: t for t in select("mcp__flaky")[0]}
    with pytest.raises(McpServerError, match="'flaky'.*failed because the disk is full"):
        tools["mcp__flaky__fail"].run({"why": "the disk is full"}, ToolContext(cwd=tmp_path))


def test_http_401_names_the_server_and_never_shows_the_token(mcp_config, refusing_server, monkeypatch) -> None:
    from vibing2_lab.mcp.client import pool

    token = "docs-token-0123456789-secret"
    monkeypatch.setenv("DOCS_TOKEN", token)
    url = f"http://127.0.0.1:{refusing_server.server_port}/mcp"
    mcp_config({"docs": {"url": url, "headers": {"Authorization": "Bearer ${DOCS_TOKEN}"}}})
    with pytest.raises(McpServerError) as info:
        pool().tools(load_settings().mcp_servers["docs"])
    message = str(info.value)
    assert "'docs'" in message and "401" in message and "headers" in message and token not in message
    assert refusing_server.seen[0]["Authorization"] == f"Bearer {token}"  # the expanded header was sent
    listed = run_cli("mcp", "list")
    assert listed.returncode == 0 and "docs  http  failed" in listed.stdout and "401" in listed.stdout
    assert token not in listed.stdout + listed.stderr
    assert token not in (Path(os.environ["VIBING2_LAB_HOME"]) / "config.yaml").read_text()


def test_an_unset_variable_is_named_not_guessed(mcp_config, monkeypatch) -> None:
    from vibing2_lab.mcp.client import pool

    monkeypatch.delenv("DOCS_TOKEN", raising=False)
    mcp_config({"docs": {"url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer ${DOCS_TOKEN}"}}})
    with pytest.raises(McpServerError, match=r"'docs': headers.Authorization uses \$\{DOCS_TOKEN\}, which is not set"):
        pool().tools(load_settings().mcp_servers["docs"])


def test_replay_offers_the_known_tools_without_starting_the_server(mcp_config, monkeypatch, tmp_path,
                                                                  caplog) -> None:
    from vibing2_lab.mcp.client import pool

    mcp_config({"time": TIME_SERVER})
    live = [t.definition() for t in select("mcp__time")[0]]
    pool().stop_all()
    pool().connections.clear()
    monkeypatch.setenv("VIBING2_LAB_MODE", "replay")
    tools, unknown = select("mcp__time")
    assert [t.definition() for t in tools] == live and unknown == []
    assert pool().connections == {}  # nothing was started, not even to list the tools
    with pytest.raises(ToolError, match="replay never contacts"):
        tools[0].run({"timezone": "UTC"}, ToolContext(cwd=tmp_path))
    assert pool().connections == {}
    (Path(os.environ["VIBING2_LAB_HOME"]) / "mcp" / "time.tools.json").unlink()  # never listed on this machine
    assert select("mcp__time") == ([], ["mcp__time"]) and pool().connections == {}
    assert "never listed here" in caplog.text


def test_mcp_list_shows_status_and_tools(mcp_config) -> None:
    mcp_config({"time": TIME_SERVER, "ghost": {"command": "no-such-mcp-server-cmd"}})
    out = run_cli("mcp", "list")
    assert out.returncode == 0, out.stderr
    assert "time  stdio  running" in out.stdout and "mcp__time__get_current_time" in out.stdout
    assert "ghost  stdio  failed: MCP server 'ghost': command 'no-such-mcp-server-cmd' not found" in out.stdout
    rows = {row["name"]: row for row in json.loads(run_cli("mcp", "list", "--json").stdout)}
    assert rows["time"]["status"] == "running" and rows["time"]["where"] == "mcp-server-time --local-timezone UTC"
    assert [t["name"] for t in rows["time"]["tools"]] == ["mcp__time__get_current_time", "mcp__time__convert_time"]
    assert rows["ghost"]["status"] == "failed" and rows["ghost"]["tools"] == []


@pytest.mark.parametrize("servers, needle", [
    ({"a__b": {"command": "x"}}, "not usable in tool names"),
    ({"t": {"command": "x", "url": "http://h"}}, "either `command`"),
    ({"t": {"command": "x", "headers": {}}}, "unknown key 'headers'"),
    ({"t": {"url": "ftp://h"}}, "http:// or https://"),
    ({"t": {"command": "x", "timeout": 0}}, "above 0"),
    ({"t": {"command": "x", "args": "--utc"}}, "list of strings"),
])
def test_config_errors_name_the_key(mcp_config, servers, needle) -> None:
    mcp_config(servers)
    with pytest.raises(ConfigError, match=needle):
        load_settings()


def test_env_variables_expand_into_the_stdio_server_and_stay_out_of_messages(mcp_config, monkeypatch,
                                                                             tmp_path: Path) -> None:
    secret = "warehouse-password-0123456789"
    monkeypatch.setenv("WAREHOUSE_PASSWORD", secret)
    mcp_config({"flaky": {**FLAKY_SERVER, "env": {**FLAKY_SERVER["env"], "DB_PASSWORD": "${WAREHOUSE_PASSWORD}"}}})
    tools = {t.name: t for t in select("mcp__flaky")[0]}
    import hashlib

    got = tools["mcp__flaky__env"].run({"name": "DB_PASSWORD", "digest": True}, ToolContext(cwd=tmp_path))
    assert got == "sha256:" + hashlib.sha256(secret.encode()).hexdigest()  # the server got the value
    # a result that repeats it reaches the model (and the record) without it
    assert tools["mcp__flaky__env"].run({"name": "DB_PASSWORD"}, ToolContext(cwd=tmp_path)) == "***"
    with pytest.raises(McpServerError) as info:  # the server repeats the secret in its error: we do not
        tools["mcp__flaky__fail"].run({"why": secret}, ToolContext(cwd=tmp_path))
    assert secret not in str(info.value) and "***" in str(info.value)


def test_stop_ends_a_hanging_call_at_once_and_the_server_stays_usable(mcp_config, tmp_path: Path) -> None:
    import threading
    import time

    from vibing2_lab.providers import Cancel

    mcp_config({"flaky": FLAKY_SERVER})  # the default 60 s timeout: only Stop can end this call early
    tools = {t.name: t for t in select("mcp__flaky")[0]}
    cancel = Cancel()
    threading.Timer(0.3, cancel.stop).start()
    started = time.monotonic()
    with pytest.raises(McpServerError, match="'flaky': the call was stopped"):
        tools["mcp__flaky__hang"].run({}, ToolContext(cwd=tmp_path, cancel=cancel))
    assert time.monotonic() - started < 3
    assert tools["mcp__flaky__echo"].run({"text": "ok"}, ToolContext(cwd=tmp_path)) == "echo: ok"


def test_a_streamable_http_server_our_own_with_a_bearer_token(mcp_config, tmp_path: Path, monkeypatch) -> None:
    """`vibing2-lab mcp --http` is a real streamable-HTTP MCP server: use it as a configured one,
    with the token from ${LAB_TOKEN}; a wrong token is a 401 naming the server."""
    import subprocess
    import sys

    from vibing2_lab.mcp.client import pool
    from tests.mcp.test_server import free_port, wait_for_http

    port, token = free_port(), "lab-token-0123456789abcdef"
    proc = subprocess.Popen([sys.executable, "-m", "vibing2_lab.cli", "mcp", "--http", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "VIBING2_LAB_MCP_TOKEN": token})
    try:
        wait_for_http(proc, port)
        url = f"http://127.0.0.1:{port}/mcp"
        monkeypatch.setenv("LAB_TOKEN", "not-the-token")
        mcp_config({"lab": {"url": url, "headers": {"Authorization": "Bearer ${LAB_TOKEN}"}}})
        with pytest.raises(McpServerError, match="'lab'.*401"):
            pool().tools(load_settings().mcp_servers["lab"])
        monkeypatch.setenv("LAB_TOKEN", token)  # a failed server is tried again on the next use, expanded anew
        tools = {t.name: t for t in select("mcp__lab")[0]}
        assert {"mcp__lab__ask", "mcp__lab__list_agents", "mcp__lab__pick_agent"} <= set(tools)
        picked = json.loads(tools["mcp__lab__pick_agent"].run({"prompt": "tune a slow SQL query"},
                                                                ToolContext(cwd=tmp_path)))
        assert picked["name"] == "sql-expert"
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_forked_child_gets_its_own_pool(mcp_config) -> None:
    import multiprocessing

    from vibing2_lab.mcp.client import pool

    mcp_config({"time": TIME_SERVER})
    pool().tools(load_settings().mcp_servers["time"])  # the parent's pool and loop thread are running
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as workers:
        names = workers.apply(_child_lists_time_tools, ())
    assert names == ["get_current_time", "convert_time"]


def _child_lists_time_tools() -> list[str]:
    from vibing2_lab.mcp.client import pool

    tools = pool().tools(load_settings().mcp_servers["time"])
    pool().stop_all()
    return [t.name for t in tools]
