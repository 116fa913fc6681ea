"""`vibing2-lab mcp` driven by the MCP SDK's own client over stdio, against the fake model server."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Awaitable, Callable

import anyio
import pytest

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.store import Store


def run_client(work: Callable[[Any], Awaitable[Any]], *args: str, cwd: Any = None, **session_options: Any) -> Any:
    """Start `vibing2-lab mcp` as a subprocess, hand an initialised ClientSession to `work`."""
    from mcp import ClientSession, StdioServerParameters, stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "vibing2_lab.cli", "mcp", *args],
                                   env=dict(os.environ), cwd=cwd)

    async def main() -> Any:
        with anyio.fail_after(60):
            async with stdio_client(params) as (read, write), \
                    ClientSession(read, write, **session_options) as session:
                await session.initialize()
                return await work(session)

    return anyio.run(main)


def test_lists_tools_prompts_and_agents_then_asks_an_agent(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="SELECT day, count(*) FROM orders GROUP BY day;"))
    progress: list[tuple[float, str | None]] = []

    async def work(session: Any) -> dict[str, Any]:
        async def on_progress(value: float, total: float | None, message: str | None) -> None:
            progress.append((value, message))

        tools = await session.list_tools()
        prompts = await session.list_prompts()
        agents = await session.call_tool("list_agents", {})
        answer = await session.call_tool("ask", {"prompt": "orders per day?", "agent": "sql-expert",
                                                 "project": "shop"}, progress_callback=on_progress)
        return {"tools": tools, "prompts": prompts, "agents": agents, "answer": answer}

    got = run_client(work)
    assert {t.name for t in got["tools"].tools} == {
        "ask", "list_agents", "search_agents", "pick_agent", "list_projects", "get_project"}
    ask_schema = next(t for t in got["tools"].tools if t.name == "ask").input_schema
    assert ask_schema["required"] == ["prompt"]
    assert {"agent", "agents", "project", "model"} <= set(ask_schema["properties"])
    prompt_names = {p.name for p in got["prompts"].prompts}
    assert "sql-expert" in prompt_names and "data-analyst" in prompt_names
    names = [a["name"] for a in got["agents"].structured_content["agents"]]
    assert "sql-expert" in names and names == sorted(names)

    answer = got["answer"]
    assert not answer.is_error, answer.content
    assert answer.content[0].text == "SELECT day, count(*) FROM orders GROUP BY day;"
    assert answer.structured_content["answers"][0]["agent"] == "sql-expert"
    # the tokens arrived as progress notifications, in order, before the result
    assert "".join(message or "" for _, message in progress) == answer.content[0].text
    assert [value for value, _ in progress] == sorted(value for value, _ in progress)
    # the agent's system prompt went to the model; the ask was stored like any other
    assert "SQL" in fake_model.requests[0].body["system"]
    project = Store.open().get_project("shop")
    assert [(m.role, m.content) for m in project.messages] == [
        ("user", "orders per day?"), ("assistant", answer.content[0].text)]
    assert project.messages[1].meta["record"]["request"]["agent"]["name"] == "sql-expert"


def test_prompts_resources_search_and_projects() -> None:
    store = Store.open()
    project = store.create_project("web demo")
    store.update_files(project.id, {"app/index.html": "<h1>hi</h1>", "style.css": "h1 {color: red}"})

    async def work(session: Any) -> dict[str, Any]:
        listed = await session.list_resources()
        return {
            "uris": {str(r.uri): r.mime_type for r in listed.resources},
            "prompt": await session.get_prompt("sql-expert", {"task": "count orders per day"}),
            "agent_file": await session.read_resource("vibe://agents/sql-expert"),
            "html": await session.read_resource("vibe://projects/web%20demo/files/app/index.html"),
            "search": await session.call_tool("search_agents", {"query": "sql query optimisation"}),
            "pick": await session.call_tool("pick_agent", {"prompt": "plot a histogram with matplotlib"}),
            "projects": await session.call_tool("list_projects", {}),
            "project": await session.call_tool("get_project", {"name": "web demo"}),
            "missing": await session.call_tool("get_project", {"name": "nope"}),
        }

    got = run_client(work)
    uris = got["uris"]
    assert uris["vibe://agents/sql-expert"] == "text/markdown"
    assert uris["vibe://projects/web%20demo/files/app/index.html"] == "text/html"
    assert uris["vibe://projects/web%20demo/files/style.css"] == "text/css"
    (message,) = got["prompt"].messages
    assert message.role == "user" and message.content.text.endswith("---\n\ncount orders per day")
    assert "SQL" in message.content.text
    assert got["agent_file"].contents[0].text.startswith("---\nname: sql-expert")
    assert got["html"].contents[0].text == "<h1>hi</h1>"
    # the same core as the command line: the same ranking, the same pick
    cli_search = json.loads(run_cli("agents", "search", "sql query optimisation", "--json").stdout)
    assert [a["name"] for a in got["search"].structured_content["agents"]] == [a["name"] for a in cli_search]
    assert "sql-expert" in [a["name"] for a in cli_search]
    assert got["pick"].structured_content["name"] == run_cli("agents", "pick", "plot a histogram with matplotlib"
                                                             ).stdout.strip() == "visualization-expert"
    assert [p["name"] for p in got["projects"].structured_content["projects"]] == ["web demo"]
    files = {f["path"]: f["content"] for f in got["project"].structured_content["files"]}
    assert files == {"app/index.html": "<h1>hi</h1>", "style.css": "h1 {color: red}"}
    assert got["missing"].is_error and "nope" in got["missing"].content[0].text


def test_bad_asks_are_tool_errors_that_say_how_to_fix_them(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="partial answer here", fault="http", status=401))

    async def work(session: Any) -> list[Any]:
        return [await session.call_tool("ask", {"prompt": "hi", "agent": "sql-expret"}),
                await session.call_tool("ask", {"prompt": "hi", "agent": "sql-expert", "agents": ["data-analyst"]}),
                await session.call_tool("ask", {"prompt": "hi"}),
                await session.call_tool("list_agents", {})]

    unknown, both, auth, still_serving = run_client(work)
    assert unknown.is_error and "sql-expret" in unknown.content[0].text and "sql-expert" in unknown.content[0].text
    assert both.is_error and "not both" in both.content[0].text
    assert auth.is_error and "ANTHROPIC_API_KEY" in auth.content[0].text, auth.content[0].text
    assert "sk-ant-fake-test-key" not in auth.content[0].text
    assert not still_serving.is_error
    assert len(fake_model.requests) == 1


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(proc: Any, port: int) -> None:
    """Until `vibing2-lab mcp --http` answers at all (a GET without a session is refused, not ignored)."""
    import time

    import httpx

    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=1)
            return
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
            time.sleep(0.1)


def test_streamable_http_on_loopback(fake_model: FakeModelServer) -> None:
    import subprocess

    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    fake_model.enqueue(Reply(text="over HTTP"))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "vibing2_lab.cli", "mcp", "--http", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    try:
        wait_for_http(proc, port)

        async def main() -> Any:
            with anyio.fail_after(30):
                async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write), \
                        ClientSession(read, write) as session:
                    await session.initialize()
                    return await session.call_tool("ask", {"prompt": "hello"})

        result = anyio.run(main)
        assert not result.is_error and result.content[0].text == "over HTTP"
    finally:
        proc.terminate()
        proc.wait(10)


def test_http_port_out_of_range_is_a_one_line_error() -> None:
    out = run_cli("mcp", "--http", "70000")
    assert out.returncode == 1 and "70000" in out.stderr and out.stderr.count("\n") == 1


@pytest.mark.parametrize("answer, written", [("accept", True), ("decline", False), (None, False)])
def test_an_agents_tools_ask_the_clients_user_by_elicitation(fake_model: FakeModelServer, tmp_path, monkeypatch,
                                                             answer: str | None, written: bool) -> None:
    from mcp import types

    agents = tmp_path / "agents"
    agents.mkdir()
    (agents / "scribe.md").write_text("---\nname: scribe\ndescription: writes notes\ntools: [Write]\n---\nYou write.\n")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(agents))
    work = tmp_path / "work"
    work.mkdir()
    fake_model.enqueue(Reply(text="Writing.", tool_uses=[
        {"id": "w1", "name": "Write", "input": {"file_path": "note.txt", "content": "hello"}}]), Reply(text="Done."))
    asked: list[str] = []

    async def elicit(context: Any, params: Any) -> Any:
        asked.append(params.message)
        if answer == "accept":
            return types.ElicitResult(action="accept", content={"allow": True, "for_this_ask": False})
        return types.ElicitResult(action="decline")

    async def work_(session: Any) -> Any:
        return await session.call_tool("ask", {"prompt": "note hello", "agent": "scribe"})

    options = {"elicitation_callback": elicit} if answer is not None else {}
    result = run_client(work_, cwd=work, **options)
    assert not result.is_error and result.content[0].text == "Writing.\n\nDone."
    assert (work / "note.txt").exists() is written
    if answer is not None:
        assert "Write" in asked[0] and "note.txt" in asked[0]
    from tests.fakes.model_server import tool_results

    (sent,) = tool_results(fake_model.requests[1])
    if not written:
        reason = "declined by the user" if answer == "decline" else "nobody could be asked"
        assert reason in json.dumps(sent)
