"""`vibing2-lab ask` with agents and projects, in a real subprocess against the fake model server."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.store import Store


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_ask_with_agent_and_project_stores_prompt_answer_and_run(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="Use GROUP BY ✓"))
    out = run_cli("ask", "--agent", "sql-expert", "--project", "shop", "--json", "how to count per day?")
    assert out.returncode == 0, out.stderr
    evs = events(out.stdout)
    assert evs[-1]["type"] == "complete" and evs[-1]["agent"] == "sql-expert"
    assert "".join(e["text"] for e in evs if e["type"] == "token") == evs[-1]["text"] == "Use GROUP BY ✓"
    store = Store.open()
    project = store.get_project("shop")
    assert [(m.role, m.content) for m in project.messages] == [
        ("user", "how to count per day?"), ("assistant", "Use GROUP BY ✓")]
    (run,) = store.runs(project_id=project.id)
    assert (run.agent, run.status, run.model) == ("sql-expert", "complete", "claude-sonnet-4-5")
    assert fake_model.requests[0].body["system"].strip()


def test_fan_out_in_plain_text_shows_each_answer_under_its_header(fake_model: FakeModelServer) -> None:
    fake_model.respond = lambda req: Reply(text="viz says hi" if "visual" in req.body["system"].lower()
                                           else "sql says hi", delay=0.01)
    out = run_cli("ask", "--agents", "visualization-expert,sql-expert", "plot it")
    assert out.returncode == 0, out.stderr
    assert "── visualization-expert ──\nviz says hi\n" in out.stdout
    assert "── sql-expert ──\nsql says hi\n" in out.stdout


def test_unknown_agent_is_one_line_with_suggestions(fake_model: FakeModelServer) -> None:
    out = run_cli("ask", "--agent", "sql-expret", "hi")
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert "sql-expret" in out.stderr and "sql-expert" in out.stderr
    assert fake_model.requests == []


def test_error_mid_stream_exits_non_zero_keeping_the_partial_text(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="part one part two", fault="error_event", after=2))
    out = run_cli("ask", "--project", "p", "go")
    assert out.returncode == 1
    assert out.stdout.startswith("part one") and "overloaded" in out.stderr.lower()
    (answer,) = [m for m in Store.open().get_project("p").messages if m.role == "assistant"]
    assert answer.status == "error" and answer.content == out.stdout.strip()
