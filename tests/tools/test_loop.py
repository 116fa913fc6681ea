"""The tool loop through a real Session against the fake model server, on both wire formats."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.fakes.model_server import FakeModelServer, Reply, offered_tools, tool_results
from vibing2_lab.errors import InputError, StepLimitError
from vibing2_lab.events import CompleteEvent, ErrorEvent, TokenEvent, ToolResultEvent, ToolUseEvent, to_dict
from vibing2_lab.providers import Cancel
from vibing2_lab.session import Ask, Session
from vibing2_lab.store import Store
from vibing2_lab.tools import Decision, ToolContext


def stop_when_running(marker: Path, cancel: Cancel, *, count: int = 1) -> None:
    """Stop once the tool wrote `count` marks in `marker` (it is running), not after a fixed time."""
    def watch() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (marker.exists() and len(marker.read_text() or "x") >= count):
            time.sleep(0.02)
        time.sleep(0.2)
        cancel.stop()

    threading.Thread(target=watch, daemon=True).start()


def ask(wire: str, work: Path, prompt: str = "How are sales?", *, agent: str = "analyst", namespace=None,
        **kwargs) -> Session:
    ctx = ToolContext(work, namespace=namespace if namespace is not None else {})
    return Session(Ask(prompt, agent=agent, model=wire, **kwargs), tool_context=ctx)


def test_python_sees_the_users_variables_read_reads_write_is_denied(
        fake_model: FakeModelServer, agents: Path, work: Path, wire: str) -> None:
    fake_model.enqueue(
        Reply(text="Let me look.", tool_uses=[
            {"id": "c1", "name": "Read", "input": {"file_path": "data.csv"}},
            {"id": "c2", "name": "Python", "input": {"code": "total = sum(sales)\ntotal * 10"}}]),
        Reply(text="Saving a summary.", tool_uses=[
            {"id": "c3", "name": "Write", "input": {"file_path": "summary.txt", "content": "80"}}]),
        Reply(text="Sales total 8; I could not save the summary."))
    user_ns = {"sales": [3, 5]}
    session = ask(wire, work, namespace=user_ns, allow="Python")
    events = list(session.stream())

    kinds = [e.type for e in events if e.type != "token"]
    assert kinds == ["tool_use", "tool_use", "tool_result", "tool_result", "tool_use", "tool_result", "complete"]
    results = {e.id: e for e in events if isinstance(e, ToolResultEvent)}
    assert results["c1"].status == "ok" and "Lyon,3" in results["c1"].content
    assert results["c2"].status == "ok" and "80" in results["c2"].content and user_ns["total"] == 8
    assert results["c3"].status == "denied" and results["c3"].is_error and not (work / "summary.txt").exists()
    final = events[-1]
    assert isinstance(final, CompleteEvent)
    assert final.text == "Let me look.\n\nSaving a summary.\n\nSales total 8; I could not save the summary."
    assert "".join(e.text for e in events if isinstance(e, TokenEvent)) == final.text
    assert final.usage.input_tokens == 3 * 12  # every request's usage adds up

    # Each request carried the tools and the results of the previous one.
    assert [offered_tools(r) for r in fake_model.requests] == [["Python", "Read", "Write"]] * 3
    second = tool_results(fake_model.requests[1])
    assert [r["id"] for r in second] == ["c1", "c2"] and "Lyon,3" in second[0]["content"]
    third = tool_results(fake_model.requests[2])[-1]
    assert third["id"] == "c3" and "nobody could be asked" in third["content"]
    if wire.startswith("anthropic"):
        assert third["is_error"] is True and second[1]["is_error"] is False

    (call,) = session.record()["calls"]
    steps = call["response"]["steps"]
    assert call["request"]["tools"] == ["Python", "Read", "Write"] and len(steps) == 3
    assert [r["consent"]["by"] for r in steps[0]["results"]] == ["policy", "allow-flag"]
    assert steps[1]["results"][0]["consent"] == {"verdict": "deny", "by": "nobody",
                                                  "reason": steps[1]["results"][0]["consent"]["reason"]}


def test_json_events_carry_the_contract_fields(fake_model: FakeModelServer, agents: Path, work: Path,
                                               wire: str) -> None:
    fake_model.enqueue(Reply(text="", tool_uses=[{"id": "r1", "name": "Read", "input": {"file_path": "data.csv"}}]),
                       Reply(text="done"))
    events = [to_dict(e) for e in ask(wire, work).stream()]
    use = next(e for e in events if e["type"] == "tool_use")
    result = next(e for e in events if e["type"] == "tool_result")
    assert {k: use[k] for k in ("id", "name", "input")} == {"id": "r1", "name": "Read",
                                                            "input": {"file_path": "data.csv"}}
    assert {k: result[k] for k in ("id", "name", "status", "is_error")} == {
        "id": "r1", "name": "Read", "status": "ok", "is_error": False}
    assert result["content"].startswith("     1\tcity,sales")


def test_store_keeps_the_steps_and_adds_up_tokens(fake_model: FakeModelServer, agents: Path, work: Path,
                                                  wire: str) -> None:
    fake_model.enqueue(Reply(text="Reading.", output_tokens=5,
                             tool_uses=[{"id": "r1", "name": "Read", "input": {"file_path": "data.csv"}}]),
                       Reply(text="Done.", output_tokens=7))
    session = ask(wire, work, project="agentic")
    list(session.stream())
    store = Store.open()
    (run,) = store.runs(project_id=store.get_project("agentic").id)
    assert (run.requests, run.input_tokens, run.output_tokens) == (2, 24, 12)
    (step,) = store.run_steps(run.id)
    assert step["name"] == "Read" and step["status"] == "ok" and step["consent"]["by"] == "policy"


def test_write_with_consent_updates_the_projects_files(fake_model: FakeModelServer, agents: Path, work: Path,
                                                       wire: str) -> None:
    fake_model.enqueue(Reply(text="", tool_uses=[{"id": "w1", "name": "Write", "input": {
        "file_path": "app/index.html", "content": "<h1>Sales</h1>\n"}}]), Reply(text="Wrote it."))
    session = Session(Ask("make a page", agent="analyst", model=wire, project="site"),
                      tool_context=ToolContext(work), consent=lambda pending: Decision.once())
    list(session.stream())
    assert (work / "app" / "index.html").read_text() == "<h1>Sales</h1>\n"
    assert Store.open().get_project("site").file_map() == {"app/index.html": "<h1>Sales</h1>\n"}


def test_agents_get_exactly_their_tools(fake_model: FakeModelServer, agents: Path, work: Path, wire: str,
                                        caplog: pytest.LogCaptureFixture) -> None:
    fake_model.default = Reply(text="ok")
    list(ask(wire, work, agent="talker").stream())
    assert offered_tools(fake_model.requests[-1]) == []
    odd = ask(wire, work, agent="odd")
    list(odd.stream())
    assert offered_tools(fake_model.requests[-1]) == ["Read"]
    assert "WebFetch, TodoWrite" in odd.tooling.warnings[0] and "WebFetch" in caplog.text


def test_a_tool_the_agent_was_not_given_is_an_error_result(fake_model: FakeModelServer, agents: Path,
                                                            work: Path, wire: str) -> None:
    fake_model.enqueue(Reply(text="", tool_uses=[{"id": "b1", "name": "Bash", "input": {"command": "touch x"}}]),
                       Reply(text="ok"))
    events = list(ask(wire, work, agent="reader").stream())
    result = next(e for e in events if isinstance(e, ToolResultEvent))
    assert result.status == "error" and "no tool 'Bash'" in result.content and not (work / "x").exists()
    assert isinstance(events[-1], CompleteEvent)


def test_step_limit_ends_the_answer_with_a_clear_error(fake_model: FakeModelServer, agents: Path, work: Path,
                                                       wire: str, vibe_home: Path) -> None:
    (vibe_home / "config.yaml").write_text("tools: {max_steps: 3}\n")
    fake_model.default = Reply(text="again", tool_uses=[{"name": "Read", "input": {"file_path": "data.csv"}}])
    session = ask(wire, work)
    events = list(session.stream())
    final = events[-1]
    assert isinstance(final, ErrorEvent) and final.kind == "step_limit" and "3 model requests" in final.message
    assert len(fake_model.requests) == 3
    assert sum(isinstance(e, ToolResultEvent) for e in events) == 2  # the last request's calls did not run
    assert final.partial_text == "again\n\nagain\n\nagain"
    with pytest.raises(StepLimitError, match="tools.max_steps"):
        session.raise_for_error()


def test_a_tool_that_raises_and_python_errors_are_error_results(
        fake_model: FakeModelServer, agents: Path, work: Path, wire: str) -> None:
    fake_model.enqueue(Reply(text="", tool_uses=[
        {"id": "p1", "name": "Python", "input": {"code": "print('so far')\n1/0"}},
        {"id": "p2", "name": "Python", "input": {"code": "def f(:"}}]), Reply(text="It failed."))
    events = list(ask(wire, work, allow=["Python"]).stream())
    first, second = [e for e in events if isinstance(e, ToolResultEvent)]
    assert first.status == "error" and "so far" in first.content and "ZeroDivisionError" in first.content
    assert second.status == "error" and "SyntaxError" in second.content
    assert isinstance(events[-1], CompleteEvent) and events[-1].text == "It failed."
    assert "Traceback" in tool_results(fake_model.requests[1])[0]["content"]


def test_malformed_tool_input_is_an_error_result_and_the_loop_goes_on(
        fake_model: FakeModelServer, agents: Path, work: Path, wire: str) -> None:
    fake_model.enqueue(Reply(text="", tool_uses=[{"id": "m1", "name": "Read", "raw": "{file_path: data.csv}"},
                                                 {"id": "m2", "name": "Read", "input": {"path": "data.csv"}}]),
                       Reply(text="Sorry."))
    events = list(ask(wire, work).stream())
    use = next(e for e in events if isinstance(e, ToolUseEvent))
    assert use.input == {} and use.raw_input == "{file_path: data.csv}"
    bad_json, bad_schema = [e for e in events if isinstance(e, ToolResultEvent)]
    assert bad_json.status == "error" and "not a JSON object" in bad_json.content
    assert bad_schema.status == "error" and "'file_path' is a required property" in bad_schema.content
    assert isinstance(events[-1], CompleteEvent) and events[-1].text == "Sorry."


def test_max_tokens_cutting_a_tool_call_is_reported(fake_model: FakeModelServer, agents: Path, work: Path,
                                                    wire: str) -> None:
    cut_off = '{"file_path": "big.txt", "content": "aaaaaaaa'
    fake_model.enqueue(Reply(text="Writing.", stop_reason="max_tokens",
                             tool_uses=[{"id": "x1", "name": "Write", "raw": cut_off}]),
                       Reply(text="The file was too long for one call."))
    events = list(ask(wire, work).stream())
    use = next(e for e in events if isinstance(e, ToolUseEvent))
    result = next(e for e in events if isinstance(e, ToolResultEvent))
    assert use.raw_input == cut_off and result.status == "error"
    assert "cut off by the max_tokens limit" in result.content and not (work / "big.txt").exists()
    assert "max_tokens" in tool_results(fake_model.requests[1])[0]["content"]
    assert isinstance(events[-1], CompleteEvent)


def test_stop_during_a_tool_keeps_the_partial_answer(fake_model: FakeModelServer, agents: Path, work: Path,
                                                     wire: str, vibe_home: Path) -> None:
    (agents / "shell.md").write_text("---\nname: shell\ndescription: runs things\ntools: Bash\n---\nRun.\n")
    fake_model.enqueue(Reply(text="Running it.", tool_uses=[{"id": "s1", "name": "Bash",
                                                             "input": {"command": "touch started; sleep 30; touch done"}}]))
    cancel = Cancel()
    session = ask(wire, work, agent="shell", allow="Bash", project="stops")
    stop_when_running(work / "started", cancel)
    started = time.monotonic()
    events = list(session.stream(cancel=cancel))
    assert time.monotonic() - started < 10
    final = events[-1]
    assert isinstance(final, ErrorEvent) and final.status == "cancelled" and final.partial_text == "Running it."
    assert len(fake_model.requests) == 1 and not (work / "done").exists()
    (call,) = session.record()["calls"]
    (result,) = call["response"]["steps"][0]["results"]
    assert result["status"] == "error" and "Interrupted" in result["content"]
    assert Store.open().get_project("stops").messages[-1].status == "cancelled"


def test_fan_out_and_chain_with_tool_using_agents(fake_model: FakeModelServer, agents: Path, work: Path,
                                                  wire: str) -> None:
    def respond(request):  # each agent reads once, then answers with what it read
        if tool_results(request):
            return Reply(text=f"read {len(tool_results(request)[0]['content'])} chars")
        return Reply(text="", tool_uses=[{"name": "Read", "input": {"file_path": "data.csv"}}])

    fake_model.respond = respond
    for chain in (False, True):
        session = Session(Ask("sales?", agents=["analyst", "reader"], chain=chain, model=wire),
                          tool_context=ToolContext(work))
        events = list(session.stream())
        finals = [e for e in events if isinstance(e, CompleteEvent)]
        assert sorted(e.agent for e in finals) == ["analyst", "reader"]
        assert all(e.text.startswith("read ") for e in finals)
        assert {e.agent for e in events if isinstance(e, ToolResultEvent)} == {"analyst", "reader"}
        assert all(len(c["response"]["steps"]) == 2 for c in session.record()["calls"])


def test_allow_must_be_tool_names(agents: Path, work: Path) -> None:
    with pytest.raises(InputError, match="--allow"):
        Session(Ask("hi", agent="analyst", allow="Python,,Read"))


def test_the_async_loop_runs_tools_off_the_event_loop(fake_model: FakeModelServer, agents: Path, work: Path,
                                                      wire: str) -> None:
    import asyncio

    fake_model.enqueue(Reply(text="Checking.", tool_uses=[{"id": "a1", "name": "Python", "input": {
        "code": "import time\ntime.sleep(0.5)\n'slept'"}}]), Reply(text="Done."))

    async def main() -> tuple[list, int]:
        ticks = 0

        async def heartbeat() -> None:  # keeps ticking while the tool sleeps: the loop is not blocked
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        beat = asyncio.create_task(heartbeat())
        events = [e async for e in ask(wire, work, allow="Python").astream()]
        beat.cancel()
        return events, ticks

    events, ticks = asyncio.run(main())
    result = next(e for e in events if isinstance(e, ToolResultEvent))
    assert result.status == "ok" and "'slept'" in result.content and ticks >= 5
    assert isinstance(events[-1], CompleteEvent) and events[-1].text == "Checking.\n\nDone."


def test_stop_interrupts_python_tools_running_in_fan_out_threads(fake_model: FakeModelServer, agents: Path,
                                                                 work: Path, wire: str) -> None:
    (agents / "coder.md").write_text("---\nname: coder\ndescription: codes\ntools: Python\n---\nCode.\n")
    # Python runs in the process's working directory (the kernel's, as a cell does): absolute paths.
    loop = (f"import time\nopen({str(work / 'started')!r}, 'a').write('x')\nfor i in range(300):\n"
            f"    time.sleep(0.1)\nopen({str(work / 'finished')!r}, 'w').write('x')")
    fake_model.respond = lambda request: Reply(text="Busy.", tool_uses=[{"name": "Python", "input": {"code": loop}}])
    cancel = Cancel()
    session = Session(Ask("work", agents=["analyst", "coder"], model=wire, allow="Python"),
                      tool_context=ToolContext(work))
    stop_when_running(work / "started", cancel, count=2)
    started = time.monotonic()
    events = list(session.stream(cancel=cancel))
    assert time.monotonic() - started < 10 and not (work / "finished").exists()
    deadline = time.monotonic() + 5  # the agents' threads (and their tools) really ended
    while any(t.name.startswith("vibe-agent-") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("vibe-agent-")]
    results = [e for e in events if isinstance(e, ToolResultEvent)]
    assert len(results) == 2 and all("Interrupted" in e.content for e in results)
    finals = [e for e in events if isinstance(e, ErrorEvent)]
    assert sorted(e.agent for e in finals) == ["analyst", "coder"]
    assert all(e.status == "cancelled" and e.partial_text == "Busy." for e in finals)


def test_an_anthropic_tool_block_left_open_is_still_reported(fake_model: FakeModelServer, agents: Path,
                                                             work: Path) -> None:
    fake_model.enqueue(Reply(text="Writing.", stop_reason="max_tokens", tool_uses=[
        {"id": "u1", "name": "Write", "raw": '{"file_path": "a.txt", "con', "unclosed": True}]),
        Reply(text="Too long."))
    events = list(ask("anthropic:fake-model", work).stream())
    use = next(e for e in events if isinstance(e, ToolUseEvent))
    result = next(e for e in events if isinstance(e, ToolResultEvent))
    assert use.id == "u1" and use.raw_input == '{"file_path": "a.txt", "con'
    assert "cut off by the max_tokens limit" in result.content and isinstance(events[-1], CompleteEvent)


def test_a_record_from_before_agent_mode_still_replays(fake_model: FakeModelServer, agents: Path, work: Path,
                                                       vibe_home: Path) -> None:
    from vibing2_lab.notebook.record import METADATA_KEY, calls_in_notebook
    from vibing2_lab.notebook.replay import ReplayIndex

    fake_model.enqueue(Reply(text="An answer recorded without tools."))
    live = Session(Ask("hi", agent="talker", model="anthropic:fake-model"))
    list(live.stream())
    output = {"output_type": "display_data", "data": {}, "metadata": {METADATA_KEY: live.record()}}
    index = ReplayIndex(calls=calls_in_notebook({"cells": [{"cell_type": "code", "outputs": [output]}]}))
    (vibe_home / "config.yaml").write_text("tools: {default: [Read]}\n")  # now the agent has a tool
    replayed = Session(Ask("hi", agent="talker", model="anthropic:fake-model", replay="strict"), replay_index=index)
    events = list(replayed.stream())
    assert isinstance(events[-1], CompleteEvent) and events[-1].text == "An answer recorded without tools."
    assert replayed.calls[0].tools == ["Read"] and len(fake_model.requests) == 1
    assert replayed.calls[0].hash != live.calls[0].hash  # the tools are in the hash


def test_an_openai_tool_call_without_an_id_still_gets_its_result(fake_model: FakeModelServer, agents: Path,
                                                                 work: Path) -> None:
    fake_model.enqueue(Reply(text="", tool_uses=[{"id": "", "name": "Read", "input": {"file_path": "data.csv"}}]),
                       Reply(text="ok"))
    events = list(ask("openai:fake-model", work).stream())
    use = next(e for e in events if isinstance(e, ToolUseEvent))
    (sent,) = tool_results(fake_model.requests[1])
    assert use.id.startswith("call_") and sent["id"] == use.id
    assert fake_model.requests[1].body["messages"][-2]["tool_calls"][0]["id"] == use.id


def test_a_provider_tool_that_raises_is_an_error_result_and_the_answer_goes_on(
        fake_model: FakeModelServer, agents: Path, work: Path, wire: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from vibing2_lab.tools import registry

    monkeypatch.setattr(registry, "PROVIDER_FACTORIES", ["tests.tools.plugins:providers"])
    (agents / "boomer.md").write_text("---\nname: boomer\ndescription: b\ntools: [Read, mcp__boom]\n---\nGo.\n")
    fake_model.enqueue(Reply(text="", tool_uses=[{"id": "e1", "name": "mcp__boom__explode", "input": {"why": "x"}},
                                                 {"id": "e2", "name": "mcp__boom__echo", "input": {"text": "hi"}}]),
                       Reply(text="One failed, one worked."))
    events = list(ask(wire, work, agent="boomer", allow="mcp__boom").stream())
    assert offered_tools(fake_model.requests[0]) == ["Read", "mcp__boom__explode", "mcp__boom__echo"]
    failed, echoed = [e for e in events if isinstance(e, ToolResultEvent)]
    assert failed.status == "error" and "RuntimeError: kaboom: x" in failed.content
    assert (echoed.status, echoed.content) == ("ok", "hi")
    assert isinstance(events[-1], CompleteEvent) and events[-1].text == "One failed, one worked."
    fake_model.enqueue(Reply(text="", tool_uses=[{"id": "e3", "name": "mcp__boom__echo", "input": {"text": "x"}}]),
                       Reply(text="denied"))
    events = list(ask(wire, work, agent="boomer").stream())  # provider tools ask by default: nobody to ask
    assert next(e for e in events if isinstance(e, ToolResultEvent)).status == "denied"
