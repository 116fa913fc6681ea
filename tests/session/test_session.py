"""The session: one ask over agents, models, the fake model server, the store and the record."""

from __future__ import annotations

import json
import time

import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.errors import InputError, ProjectError, ServerError, UnknownAgentError
from vibing2_lab.events import CompleteEvent, ErrorEvent, TokenEvent
from vibing2_lab.notebook.record import SCHEMA, calls_in_notebook
from vibing2_lab.session import Ask, Session
from vibing2_lab.store import Store

PAGE = "Here you go.\n\n```html title=index.html\n<h1>Hi ✨</h1>\n```\n"


def by_agent(events: list) -> dict[str | None, str]:
    texts: dict[str | None, str] = {}
    for e in events:
        if isinstance(e, TokenEvent):
            texts[e.agent] = texts.get(e.agent, "") + e.text
    return texts


def test_plain_ask_streams_and_records_without_storing(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="Grüße, 世界"))
    session = Session(Ask("hello"))
    events = list(session.stream())
    final = events[-1]
    assert isinstance(final, CompleteEvent) and final.text == "Grüße, 世界" and final.agent is None
    assert by_agent(events) == {None: "Grüße, 世界"}
    assert final.cost_usd is not None and final.cost_usd > 0
    record = session.record()
    assert record["schema"] == SCHEMA and record["mode"] == "single" and record["project"] is None
    (call,) = record["calls"]
    assert call["request"]["agent"] is None and call["request"]["prompt"] == "hello"
    assert call["response"]["text"] == "Grüße, 世界" and call["response"]["status"] == "complete"
    assert Store.open().list_projects() == []


def test_agent_system_prompt_history_and_store(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text=PAGE), Reply(text="Looks fine."))
    first = Session(Ask("make a page", project="demo", agent="fullstack-developer"))
    list(first.stream())
    body = fake_model.requests[0].body
    assert body["system"] == first.agents[0].system_prompt
    assert body["messages"] == [{"role": "user", "content": "make a page"}]
    second = Session(Ask("review it", project="demo", agent="code-reviewer"))
    list(second.stream())
    assert fake_model.requests[1].body["messages"] == [
        {"role": "user", "content": "make a page"}, {"role": "assistant", "content": PAGE},
        {"role": "user", "content": "review it"}]
    project = Store.open().get_project("demo")
    assert [(m.role, m.agent, m.status) for m in project.messages] == [
        ("user", None, "complete"), ("assistant", "fullstack-developer", "complete"),
        ("user", None, "complete"), ("assistant", "code-reviewer", "complete")]
    assert project.file_map() == {"index.html": "<h1>Hi ✨</h1>\n"}
    runs = Store.open().runs(project_id=project.id)
    assert [r.agent for r in runs] == ["fullstack-developer", "code-reviewer"]
    assert runs[0].output_tokens > 0 and runs[0].cost_usd > 0


def test_fan_out_one_failing_agent_keeps_the_other(fake_model: FakeModelServer) -> None:
    def respond(req):
        if "SQL" in (req.body.get("system") or ""):
            return Reply(fault="http", status=500, headers={"x-should-retry": "false"})
        return Reply(text="a chart answer")

    fake_model.respond = respond
    session = Session(Ask("plot sales", project="fan", agents=["visualization-expert", "sql-expert"]))
    events = list(session.stream())
    finals = {e.agent: e for e in events if isinstance(e, (CompleteEvent, ErrorEvent))}
    assert isinstance(finals["visualization-expert"], CompleteEvent)
    assert isinstance(finals["sql-expert"], ErrorEvent) and finals["sql-expert"].kind == "server"
    assert session.mode == "fanout" and len(session.failures()) == 1
    with pytest.raises(ServerError):
        session.raise_for_error()
    statuses = {m.agent: m.status for m in Store.open().get_project("fan").messages if m.role == "assistant"}
    assert statuses == {"visualization-expert": "complete", "sql-expert": "error"}


def test_chain_passes_the_previous_answer(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="SELECT 1;"), Reply(text="Fine query."))
    session = Session(Ask("count users", agents=["sql-expert", "code-reviewer"], chain=True))
    events = list(session.stream())
    assert session.mode == "chain"
    second_prompt = fake_model.requests[1].body["messages"][-1]["content"]
    assert second_prompt.startswith("count users") and "SELECT 1;" in second_prompt and "sql-expert" in second_prompt
    assert [c["request"]["agent"]["name"] for c in session.record()["calls"]] == ["sql-expert", "code-reviewer"]
    assert by_agent(events) == {"sql-expert": "SELECT 1;", "code-reviewer": "Fine query."}


def test_auto_pick_records_its_reasons(fake_model: FakeModelServer) -> None:
    session = Session(Ask("write a SQL query joining orders and customers with a window function", auto=True))
    assert session.pick is not None and session.agents[0].name == "sql-expert"
    assert session.pick.reasons


@pytest.mark.parametrize(("ask", "error"), [
    (Ask("hi", agent="no-such-agent"), UnknownAgentError),
    (Ask("   "), InputError),
    (Ask("x" * 300_000), InputError),
    (Ask("hi", project="bad\x00name"), ProjectError),
    (Ask("hi", agent="sql-expert", agents=["code-reviewer"]), InputError),
])
def test_bad_input_fails_before_anything_is_sent_or_stored(fake_model: FakeModelServer, ask: Ask,
                                                          error: type) -> None:
    with pytest.raises(error) as info:
        Session(ask)
    assert info.value.hint
    assert fake_model.requests == []
    assert Store.open().list_projects() == []


def test_interrupt_keeps_the_partial_answer(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="one two three four five six", delay=0.05))
    session = Session(Ask("count", project="cut"))
    got = []
    stream = session.stream()
    for event in stream:
        got.append(event)
        if len(got) == 3:
            stream.close()  # the consumer leaves (as a KeyboardInterrupt in the kernel does)
            break
    (call,) = session.calls
    assert call.status == "cancelled" and call.text == "".join(e.text for e in got)
    assert call.final.timings.duration > 0 and call.final.timings.ttft is not None  # shown as elapsed
    (answer,) = [m for m in Store.open().get_project("cut").messages if m.role == "assistant"]
    assert (answer.status, answer.content) == ("cancelled", call.text)


def test_replay_answers_from_a_notebook_record_offline(fake_model: FakeModelServer, tmp_path, monkeypatch) -> None:
    fake_model.enqueue(Reply(text="recorded answer ✓"))
    live = Session(Ask("explain", agent="notebook-tutor", cell_id="c1"))
    list(live.stream())
    nb = {"cells": [{"cell_type": "code", "id": "c1", "source": "", "outputs": [
        {"output_type": "display_data", "data": {}, "metadata": {"vibing2_lab": live.record()}}]}]}
    path = tmp_path / "session.ipynb"
    path.write_text(json.dumps(nb))
    assert len(calls_in_notebook(nb)) == 1
    monkeypatch.setenv("VIBING2_LAB_REPLAY_NOTEBOOK", str(path))
    monkeypatch.setenv("VIBING2_LAB_MODE", "replay")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens: offline
    replayed = Session(Ask("explain", agent="notebook-tutor", cell_id="c1"))
    list(replayed.stream())
    assert replayed.record() == live.record()
    missing = Session(Ask("something else", agent="notebook-tutor", cell_id="c2"))
    events = list(missing.stream())
    assert isinstance(events[-1], ErrorEvent) and events[-1].kind == "replay"
    assert len(fake_model.requests) == 1


def test_fallback_replay_answers_recorded_requests_and_warns_then_goes_live_for_others(
        fake_model: FakeModelServer, tmp_path, monkeypatch, caplog) -> None:
    fake_model.enqueue(Reply(text="recorded"))
    live = Session(Ask("explain", agent="notebook-tutor"))
    list(live.stream())
    path = tmp_path / "s.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "id": "a", "source": "", "outputs": [
        {"output_type": "display_data", "data": {}, "metadata": {"vibing2_lab": live.record()}}]}]}))
    monkeypatch.setenv("VIBING2_LAB_REPLAY_NOTEBOOK", str(path))
    monkeypatch.setenv("VIBING2_LAB_MODE", "replay-fallback")
    fake_model.enqueue(Reply(text="fresh live answer"))
    replayed = list(Session(Ask("explain", agent="notebook-tutor")).stream())
    assert replayed[-1].text == "recorded" and len(fake_model.requests) == 1  # no call made
    with caplog.at_level("WARNING", logger="vibing2_lab.notebook.replay"):
        other = list(Session(Ask("something new", agent="notebook-tutor")).stream())
    assert other[-1].text == "fresh live answer" and len(fake_model.requests) == 2
    assert any("No recorded answer" in r.getMessage() and "live call" in r.getMessage() for r in caplog.records)


def test_model_precedence_and_the_request_a_call_opens(fake_model: FakeModelServer) -> None:
    """--model, else the agent's own (unless "inherit"), else its tier, else the default model."""
    from vibing2_lab.agents import Agent
    from vibing2_lab.config import load_settings
    from vibing2_lab.providers import get_provider
    from vibing2_lab.session import Call
    from vibing2_lab.session.ask import plan_models

    settings = load_settings()
    own = Agent(name="own", model="opus", performance_tier="fast", system_prompt="S")
    inherit = Agent(name="inh", model="inherit", performance_tier="thorough")
    plain = Agent(name="plain")
    assert [ref.model for ref in plan_models(Ask("x"), [own, inherit, plain], settings)] == [
        "claude-opus-4-1", "claude-opus-4-1", "claude-sonnet-4-5"]  # own; tier thorough -> opus; the default
    (ref,) = plan_models(Ask("x", model="openai:gpt-4o-mini"), [own], settings)
    history = [{"role": "user", "content": "before"}, {"role": "assistant", "content": "ok"}]
    call = Call.open(own, ref, "now", provider=get_provider(ref.provider, settings=settings), settings=settings,
                     history=history, system="extra")
    assert (call.provider.name, call.request.model, call.request.system) == ("openai", "gpt-4o-mini", "S\n\nextra")
    assert call.request.metadata["agent"] == "own" and call.request.metadata["hash"] == call.hash
    assert call.request.messages == [*history, {"role": "user", "content": "now"}]


def test_a_streaming_answer_is_checkpointed_after_a_second_not_at_its_first_token(
        fake_model: FakeModelServer) -> None:
    """The `streaming` row appears one CHECKPOINT_SECONDS after the first token and then keeps
    up; an answer shorter than that is written once, when it ends (one write, not two)."""
    from vibing2_lab.session.call import CHECKPOINT_SECONDS

    words = [f" w{i}" for i in range(40)]
    fake_model.enqueue(Reply(tokens=words, delay=0.05))  # ~2 s of streaming
    session = Session(Ask("count", project="slow"))
    seen: list[tuple[float, int, list[tuple[str, str]]]] = []
    first = None
    for event in session.stream():
        if isinstance(event, TokenEvent):
            first = first or time.monotonic()
            rows = [(m.status, m.content) for m in Store.open().get_project("slow").messages if m.role == "assistant"]
            seen.append((time.monotonic() - first, len("".join(session.calls[0].parts).split()), rows))
    early = [rows for t, _, rows in seen if t < CHECKPOINT_SECONDS * 0.9]
    assert early and all(rows == [] for rows in early)  # nothing written at the first token
    late = [(n, rows) for t, n, rows in seen if t > CHECKPOINT_SECONDS * 1.5]
    assert late and late[-1][1] and late[-1][1][0][0] == "streaming"
    assert late[-1][1][0][1] == "".join(words[: len(late[-1][1][0][1].split())])  # a clean prefix
    [answer] = [m for m in Store.open().get_project("slow").messages if m.role == "assistant"]
    assert (answer.status, answer.content) == ("complete", "".join(words))

    fake_model.enqueue(Reply(tokens=words[:5], delay=0.01))  # well under a second
    statements: list[str] = []
    store = Store.open()
    store._db.set_trace_callback(statements.append)
    try:
        list(Session(Ask("again", project="slow"), store=store).stream())
    finally:
        store._db.set_trace_callback(None)
    assert not any("status = 'streaming'" in s or "'streaming'" in s for s in statements)  # no checkpoint row
    assert sum(s.startswith("INSERT INTO messages") for s in statements) == 2  # the prompt, the answer
    # a project with a name is not asked for it again in a write transaction (only untitled ones are named)
    assert not any(s.startswith("SELECT name FROM projects WHERE id") for s in statements)
    assert sum(s == "BEGIN IMMEDIATE" for s in statements) == 2  # the prompt, the answer
