"""`vibing2-lab mcp` driven by the MCP SDK's own client over stdio, against the fake model server."""

from __future__ import annotations

import os
import sys
from typing import Any, Awaitable, Callable

import anyio
import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.store import Store


def run_client(work: Callable[[Any], Awaitable[Any]], *args: str) -> Any:
    """Start `vibing2-lab mcp` as a subprocess, hand an initialised ClientSession to `work`."""
    from mcp import ClientSession, StdioServerParameters, stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "vibing2_lab.cli", "mcp", *args],
                                   env=dict(os.environ))

    async def main() -> Any:
        with anyio.fail_after(60):
            async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
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
