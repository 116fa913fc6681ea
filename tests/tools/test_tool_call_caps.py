"""Tool calls per step are bounded (vibing2_lab/limits.py): a forged record with 10**6 tool
calls in one step is refused at once with the field named (before: jsonschema walked every
item for minutes, and render made ~200 MB of HTML); the live loop stops at the same bounds, so
every record it writes can be replayed."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.errors import ExportError
from vibing2_lab.limits import MAX_STEPS, MAX_TOOL_CALLS, MAX_TOOL_CALLS_PER_STEP
from vibing2_lab.notebook.record import METADATA_KEY, calls_in_notebook, validate
from vibing2_lab.session import Ask, Session
from vibing2_lab.tools import ToolContext


@pytest.fixture
def record(fake_model: FakeModelServer, agents: Path, work: Path) -> dict:
    fake_model.enqueue(Reply(text="A plain answer."))
    live = Session(Ask("Compute.", agent="analyst", model="anthropic:fake-model"),
                   tool_context=ToolContext(work, namespace={}))
    list(live.stream())
    return live.record()


def with_steps(record: dict, *counts: int) -> dict:
    """`record` whose answer made one request per count, each calling that many tools."""
    forged = json.loads(json.dumps(record))
    forged["calls"][0]["response"]["steps"] = [
        {"text": "x", "stop_reason": "tool_use",
         "tool_uses": [{"id": f"u{s}-{n}", "name": "Read", "input": {"file_path": "data.csv"}} for n in range(count)],
         "results": [{"id": f"u{s}-{n}", "name": "Read", "status": "ok", "content": "c"} for n in range(count)]}
        for s, count in enumerate(counts)]
    return forged


def notebook(record: dict) -> dict:
    return {"cells": [{"cell_type": "code", "id": "c1", "outputs": [
        {"output_type": "display_data", "data": {}, "metadata": {METADATA_KEY: record}}]}]}


def test_a_million_tool_calls_in_one_step_are_refused_at_once(record: dict) -> None:
    forged = with_steps(record, 10 ** 6)
    t0 = time.perf_counter()
    with pytest.raises(ExportError) as err:
        calls_in_notebook(notebook(forged), source="forged.ipynb")
    elapsed = time.perf_counter() - t0
    assert err.value.message.endswith("invalid vibing2_lab record: calls[0].response.steps[0].tool_uses: must be "
                                      "at most 256 items long (tool calls of one model request).")
    assert "Read" not in err.value.message and "data.csv" not in err.value.message  # no value quoted
    assert elapsed < 5, elapsed  # the schema alone took ~130 s for this record


@pytest.mark.parametrize("counts, field, reason", [
    ((3, MAX_TOOL_CALLS_PER_STEP + 1), "steps[1].tool_uses", "must be at most 256 items long"),
    ((MAX_TOOL_CALLS_PER_STEP,) * (MAX_TOOL_CALLS // MAX_TOOL_CALLS_PER_STEP + 1), "calls[0].response:",
     "holds 10,240 tool calls; a record holds at most 10,000"),
])
def test_the_bounds_per_step_and_per_answer(record: dict, counts: tuple[int, ...], field: str, reason: str) -> None:
    with pytest.raises(ExportError, match=rf"{re.escape(field)}.*{re.escape(reason)}"):
        validate(with_steps(record, *counts), where="cell 1")


def test_results_and_steps_are_bounded_too(record: dict) -> None:
    forged = with_steps(record, 1)
    forged["calls"][0]["response"]["steps"][0]["results"] *= MAX_TOOL_CALLS_PER_STEP + 1
    with pytest.raises(ExportError, match=r"steps\[0\]\.results: must be at most 256 items long"):
        validate(forged, where="cell 1")
    forged["calls"][0]["response"]["steps"] = [{"text": ""}] * (MAX_STEPS + 1)
    with pytest.raises(ExportError, match=r"response\.steps: must be at most 10000 items long"):
        validate(forged, where="cell 1")


def test_at_the_bounds_a_record_is_valid(record: dict) -> None:
    assert validate(with_steps(record, MAX_TOOL_CALLS_PER_STEP, 1), where="cell 1")


def test_the_live_loop_runs_none_of_a_request_past_the_bound(fake_model: FakeModelServer, agents: Path,
                                                             work: Path) -> None:
    """A model asking for 257 tools at once: none runs, the answer ends saying why, and its
    record (with the 256 recorded) still validates, so the notebook replays."""
    uses = [{"name": "Write", "input": {"file_path": f"f{n}.txt", "content": "x"}}
            for n in range(MAX_TOOL_CALLS_PER_STEP + 1)]
    fake_model.enqueue(Reply(text="Writing. ", tool_uses=uses, stop_reason="tool_use"))
    session = Session(Ask("Write them.", agent="analyst", model="anthropic:fake-model", allow="Write"),
                      tool_context=ToolContext(work, namespace={}))
    final = list(session.stream())[-1]
    assert final.type == "error" and final.kind == "step_limit"
    assert final.message == ("The model called more than 256 tools in one model request; none of this request's "
                             "tool calls ran.")
    assert list(work.glob("f*.txt")) == [] and len(fake_model.requests) == 1
    record = session.record()
    steps = record["calls"][0]["response"]["steps"]
    assert len(steps[0]["tool_uses"]) == MAX_TOOL_CALLS_PER_STEP and steps[0]["results"] == []
    assert validate(json.loads(json.dumps(record)), where="cell 1")


def test_max_steps_cannot_exceed_what_a_record_holds(vibe_home: Path) -> None:
    from vibing2_lab.config import load_settings
    from vibing2_lab.errors import ConfigError

    (vibe_home / "config.yaml").write_text(json.dumps({"tools": {"max_steps": MAX_STEPS + 1}}))
    with pytest.raises(ConfigError, match="`tools.max_steps` is 10,001; an answer's record holds at most 10,000"):
        load_settings()
