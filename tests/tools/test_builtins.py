"""The kernel, shell and notebook tools, run through the ToolRunner as the loop runs them."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from vibing2_lab.events import ToolResultEvent, ToolUseEvent, from_dict, to_dict
from vibing2_lab.notebook.record import request_hash
from vibing2_lab.providers import Cancel
from vibing2_lab.tools import Decision, Limits, Policy, ToolContext, ToolRunner, builtin_tools


def run(ctx: ToolContext, tool: str, cancel: Cancel | None = None, **input: Any) -> tuple[str, str]:
    runner = ToolRunner(Policy(), consent=lambda p: Decision.once(), ctx=ctx)
    step = runner.run(ToolUseEvent(id="t", name=tool, input=dict(input)), builtin_tools(), cancel=cancel)
    return step.status, step.content


def test_python_reports_stdout_stderr_and_the_last_value(tmp_path: Path) -> None:
    ns: dict[str, Any] = {"x": 20}
    status, text = run(ToolContext(tmp_path, namespace=ns), "Python",
                       code="import sys\nprint('hi')\nprint('warn', file=sys.stderr)\ny = x + 1\n{'y': y}")
    assert status == "ok" and text == "stdout:\nhi\nstderr:\nwarn\nresult:\n{'y': 21}" and ns["y"] == 21
    assert run(ToolContext(tmp_path), "Python", code="z = 1") == ("ok", "(no output)")
    status, text = run(ToolContext(tmp_path, limits=Limits(max_output_chars=200)), "Python", code="print('a' * 5000)")
    assert status == "ok" and "more characters not shown" in text and len(text) < 300


def test_variables_lists_types_and_shapes_and_describes_a_dataframe(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    ns = {"df": pd.DataFrame({"city": ["Lyon", "Oslo"], "sales": [3, 5]}), "n": 3, "_hidden": 1,
          "In": [], "pd": pd, "f": print}
    status, listing = run(ToolContext(tmp_path, namespace=ns), "Variables")
    assert status == "ok" and listing.splitlines() == ["df: DataFrame 2×2", "n: int"]
    status, detail = run(ToolContext(tmp_path, namespace=ns), "Variables", name="df")
    assert status == "ok" and f"city: {ns['df'].dtypes['city']}" in detail and "sales: int64" in detail
    assert "columns:" in detail and "1  Oslo      5" in detail
    assert "no variable 'nope'" in run(ToolContext(tmp_path, namespace=ns), "Variables", name="nope")[1]


def test_bash_runs_in_the_working_dir_and_times_out(tmp_path: Path) -> None:
    (tmp_path / "here.txt").write_text("x")
    status, text = run(ToolContext(tmp_path), "Bash", command="ls; echo oops >&2; exit 3")
    assert status == "ok" and "exit code 3" in text and "here.txt" in text and "oops" in text
    started = time.monotonic()
    status, text = run(ToolContext(tmp_path, limits=Limits(bash_timeout=0.5)), "Bash",
                       command="echo started; sleep 30; touch late")
    assert status == "error" and "0.5 s timeout" in text and "started" in text
    assert time.monotonic() - started < 5 and not (tmp_path / "late").exists()


def test_stop_kills_a_running_command(tmp_path: Path) -> None:
    cancel = Cancel()
    threading.Timer(0.3, cancel.stop).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run(ToolContext(tmp_path), "Bash", cancel=cancel, command="sleep 30; touch late")
    assert time.monotonic() - started < 5 and not (tmp_path / "late").exists()


class FakeFrontEnd:
    """A NotebookBridge as an adapter with a front end supplies it."""

    def __init__(self) -> None:
        self.edits: list[dict[str, Any]] = []

    def read(self) -> str:
        return "[1] code: x = 1"

    def edit(self, input: dict[str, Any]) -> str:
        self.edits.append(input)
        return "inserted cell abc"


def test_notebook_tools_need_a_front_end(tmp_path: Path) -> None:
    status, text = run(ToolContext(tmp_path), "NotebookEdit", new_source="x = 2", edit_mode="insert")
    assert status == "error" and "No notebook front end" in text
    assert "No notebook front end" in run(ToolContext(tmp_path), "NotebookRead")[1]
    front = FakeFrontEnd()
    assert run(ToolContext(tmp_path, notebook=front), "NotebookRead") == ("ok", "[1] code: x = 1")
    assert run(ToolContext(tmp_path, notebook=front), "NotebookEdit", new_source="x = 2", edit_mode="insert") == (
        "ok", "inserted cell abc")
    assert front.edits == [{"new_source": "x = 2", "edit_mode": "insert"}]


def test_tool_events_round_trip_and_the_hash_covers_the_tools() -> None:
    for event in (ToolUseEvent("1", "Read", {}, raw_input="{oops"),
                  ToolResultEvent("1", "Read", "error", "nope", is_error=True, agent="a")):
        assert from_dict(to_dict(event)) == event
    base = dict(provider="anthropic", model="m", agent_sha256=None, system_sha256=None, parameters={}, prompt="p")
    read = builtin_tools()["Read"].definition()
    assert request_hash(**base) == request_hash(**base, tools=[])  # no tools: the hash of before
    assert request_hash(**base, tools=[read]) != request_hash(**base)
    changed = {**read, "description": "something else"}
    assert request_hash(**base, tools=[changed]) != request_hash(**base, tools=[read])


def test_an_api_key_printed_by_a_tool_never_leaves_the_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import PLANTED_KEY

    monkeypatch.setenv("ANTHROPIC_API_KEY", PLANTED_KEY)
    monkeypatch.setenv("OTHER_API_KEY", "plain-secret-value")
    status, text = run(ToolContext(tmp_path), "Bash", command="env")
    assert status == "ok" and PLANTED_KEY not in text and "plain-secret-value" not in text
    assert "ANTHROPIC_API_KEY=[redacted]" in text
    status, text = run(ToolContext(tmp_path), "Python", code="import os\nos.environ['OTHER_API_KEY']")
    assert "plain-secret-value" not in text and "[redacted]" in text


def test_endless_output_is_bounded(tmp_path: Path) -> None:
    ctx = ToolContext(tmp_path, limits=Limits(bash_timeout=1.0, max_output_chars=1000))
    status, text = run(ctx, "Bash", command="yes")
    assert status == "error" and "timeout" in text and len(text) < 3000 and "more bytes of output, not kept" in text
    status, text = run(ToolContext(tmp_path, limits=Limits(max_output_chars=1000)), "Python",
                       code="for i in range(200000):\n    print('line', i)")
    assert status == "ok" and len(text) < 2000 and "not shown" in text
