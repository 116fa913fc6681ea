"""Done-when: a `%%vibe` agent with tools in an nbclient run, then the same notebook replayed offline.

The agent (`tools: [Python, Read, Write]`, `--allow Python,Read`) runs Python in the kernel
(it sees the user's variables), reads a file beside the notebook, is refused /etc/passwd,
and is denied Write (nobody can be asked in nbclient) without the file being created; the
final answer follows the tool results. Replayed with VIBING2_LAB_MODE=replay and no model
server, the outputs are identical and no tool runs: the Python tool's side effect (a line
appended to a file) does not happen twice.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.fakes.model_server import FakeModelServer, Reply, tool_results
from tests.magics.conftest import error_of, execute, notebook, record_of, vibe_output

pytestmark = pytest.mark.kernel

SIDE_EFFECT = "open('side_effect.log', 'a').write('ran\\n')\nprint(sum(sales), len(open('side_effect.log').read().split()))"
STATIC = ("text/plain", "text/markdown", "text/html")


def script(fake: FakeModelServer) -> None:
    fake.enqueue(
        Reply(text="Looking at the data.", tool_uses=[
            {"id": "t1", "name": "Python", "input": {"code": SIDE_EFFECT}},
            {"id": "t2", "name": "Read", "input": {"file_path": "data.csv"}},
            {"id": "t3", "name": "Read", "input": {"file_path": "/etc/passwd"}}]),
        Reply(text="Writing the report.", tool_uses=[
            {"id": "t4", "name": "Write", "input": {"file_path": "report.md", "content": "# Sales: 8"}}]))
    fake.respond = lambda request: Reply(
        text="Total sales are 8 (Lyon 3, Oslo 5). I could not read /etc/passwd or save report.md.")


def static(cell: nbformat.NotebookNode) -> list[dict]:
    return [{k: v for k, v in o.get("data", {}).items() if k in STATIC} | {"text": o.get("text", "")}
            for o in cell.outputs]


@pytest.mark.parametrize("model", ["anthropic:fake-model", "openai:fake-model"])
def test_agent_cell_live_then_replayed_offline(fake_model: FakeModelServer, agents: Path, work: Path, model: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    script(fake_model)
    nb = notebook("sales = [3, 5]",
                  f"%%vibe --agent analyst --allow Python,Read --model {model} --no-store\nHow are sales?",
                  "print('after the agent')")
    execute(nb, cwd=work)
    cell = nb.cells[2]
    assert error_of(cell) is None, cell.outputs
    results = {r["id"]: r for r in tool_results(fake_model.requests[1])}
    assert "8 1" in results["t1"]["content"]  # Python saw `sales` from the user's namespace
    assert "Lyon,3" in results["t2"]["content"]
    assert "outside the working directory" in results["t3"]["content"] and "root:" not in results["t3"]["content"]
    denied = tool_results(fake_model.requests[2])[-1]
    assert denied["id"] == "t4" and "nobody could be asked" in denied["content"]
    assert not (work / "report.md").exists()
    assert (work / "side_effect.log").read_text() == "ran\n"
    (call,) = record_of(cell)["calls"]
    assert call["response"]["text"].endswith("I could not read /etc/passwd or save report.md.")
    assert [r["status"] for s in call["response"]["steps"] for r in s["results"]] == [
        "ok", "ok", "error", "denied"]
    assert "Total sales are 8" in vibe_output(cell)["data"]["text/markdown"]

    path = work / "agent.ipynb"
    nbformat.write(nb, path)
    live = [static(c) for c in nb.cells]
    asked = len(fake_model.requests)
    for name in ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL"):  # no model server: a closed port
        monkeypatch.setenv(name, "http://127.0.0.1:9/v1")
    monkeypatch.setenv("VIBING2_LAB_MODE", "replay")
    monkeypatch.setenv("VIBING2_LAB_REPLAY_PACE", "0")
    again = nbformat.read(path, as_version=4)
    for c in again.cells:
        c.outputs = []
    execute(again, cwd=work)
    assert error_of(again.cells[2]) is None, again.cells[2].outputs
    assert [static(c) for c in again.cells] == live
    assert len(fake_model.requests) == asked
    assert (work / "side_effect.log").read_text() == "ran\n"  # the Python tool did not run again
    assert record_of(again.cells[2])["calls"][0]["response"]["steps"] == call["response"]["steps"]
