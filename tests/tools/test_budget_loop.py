"""A tool loop answers to the budget before every step: stopped mid-way, it keeps the answer so far."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.model_server import FakeModelServer, Reply
from tests.tools.test_loop import ask
from vibing2_lab.events import ErrorEvent, ToolResultEvent
from vibing2_lab.store import Store


def test_a_tool_loop_stopped_by_the_budget_keeps_its_partial_answer(
        fake_model: FakeModelServer, agents: Path, work: Path, wire: str, vibe_home: Path) -> None:
    (vibe_home / "config.yaml").write_text("prices: {fake-model: {input: 3, output: 15}}\n")
    # The first step costs $0.01995 of output: what it leaves of $0.02 cannot pay for the second request.
    fake_model.enqueue(Reply(text="Let me look.", output_tokens=1330, input_tokens=0,
                             tool_uses=[{"id": "c1", "name": "Read", "input": {"file_path": "data.csv"}}]),
                       Reply(text="never sent"))
    session = ask(wire, work, project="budgeted", max_cost=0.02)
    events = list(session.stream())

    assert [e.status for e in events if isinstance(e, ToolResultEvent)] == ["ok"]  # the tool of step 1 ran
    final = events[-1]
    assert isinstance(final, ErrorEvent) and final.kind == "budget" and "max_cost" in final.message
    assert final.partial_text.startswith("Let me look.")
    assert len(fake_model.requests) == 1  # step 2 never reached the model
    (answer,) = [m for m in Store.open().get_project("budgeted").messages if m.role == "assistant"]
    assert answer.status == "error" and answer.content.startswith("Let me look.")
