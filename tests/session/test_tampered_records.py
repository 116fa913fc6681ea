"""Tampered notebook records (issue 11, D9): `projects import` and replay refuse them with one
ExportError naming the cell and the field; nothing is half imported and `stats` keeps working."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.errors import ExportError, ReplayError
from vibing2_lab.notebook.export import export_notebook, import_notebook
from vibing2_lab.session import Ask, Session
from vibing2_lab.store import Store
from vibing2_lab.store.stats import stats_rows

Record = dict[str, Any]


def _set(path: str, value: Any) -> Callable[[Record], None]:
    """Set `a.b[0].c` in a record (creating nothing: the path must exist up to its parent)."""
    def mutate(record: Record) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.replace("[", ".").replace("]", "").split(".")]
        target: Any = record
        for key in parents:
            target = target[key]
        target[last] = value
    return mutate


def _drop(path: str) -> Callable[[Record], None]:
    def mutate(record: Record) -> None:
        *parents, last = path.split(".")
        target: Any = record
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        del target[last]
    return mutate


C0 = "calls.0"  # the first call, in _set/_drop paths; the message spells it calls[0]
TAMPERED: list[tuple[str, Callable[[Record], None], str]] = [
    ("record-is-text", lambda r: (r.clear(), r.update(schema=1, calls="x")), "calls"),
    ("calls-as-dict", _set("calls", {"0": {}}), "calls"),
    ("calls-missing", _drop("calls"), "the record"),
    ("schema-2", _set("schema", 2), "schema"),
    ("call-is-text", _set(C0, "hello"), "calls[0]"),
    ("string-request", _set(f"{C0}.request", "GET /"), "calls[0].request"),
    ("null-response", _set(f"{C0}.response", None), "calls[0].response"),
    ("response-missing", _drop(f"{C0}.response"), "calls[0]"),
    ("status-unknown", _set(f"{C0}.response.status", "done"), "calls[0].response.status"),
    ("integer-text", _set(f"{C0}.response.text", 42), "calls[0].response.text"),
    ("null-text", _set(f"{C0}.response.text", None), "calls[0].response.text"),
    ("usage-as-list", _set(f"{C0}.response.usage", [1, 2]), "calls[0].response.usage"),
    ("tokens-10e40", _set(f"{C0}.response.usage.input_tokens", 10**40), "calls[0].response.usage.input_tokens"),
    ("tokens-negative", _set(f"{C0}.response.usage.output_tokens", -5), "calls[0].response.usage.output_tokens"),
    ("tokens-as-text", _set(f"{C0}.response.usage.input_tokens", "10"), "calls[0].response.usage.input_tokens"),
    ("tokens-fraction", _set(f"{C0}.response.usage.input_tokens", 1.5), "calls[0].response.usage.input_tokens"),
    ("tokens-boolean", _set(f"{C0}.response.usage.input_tokens", True), "calls[0].response.usage.input_tokens"),
    ("usage-unknown-field", _set(f"{C0}.response.usage.free_tokens", 1), "calls[0].response.usage"),
    ("timings-as-text", _set(f"{C0}.response.timings", "fast"), "calls[0].response.timings"),
    ("duration-as-text", _set(f"{C0}.response.timings.duration", "1s"), "calls[0].response.timings.duration"),
    ("ttft-negative", _set(f"{C0}.response.timings.ttft", -1), "calls[0].response.timings.ttft"),
    ("cost-free", _set(f"{C0}.response.cost_usd", "free"), "calls[0].response.cost_usd"),
    ("cost-negative", _set(f"{C0}.response.cost_usd", -0.5), "calls[0].response.cost_usd"),
    ("cost-huge", _set(f"{C0}.response.cost_usd", 1e300), "calls[0].response.cost_usd"),
    ("tool-uses-as-dict", _set(f"{C0}.response.tool_uses", {"id": "t"}), "calls[0].response.tool_uses"),
    ("tool-use-without-name", _set(f"{C0}.response.tool_uses", [{"id": "t", "input": {}}]),
     "calls[0].response.tool_uses[0]"),
    ("steps-as-dict", _set(f"{C0}.response.steps", {"text": "x"}), "calls[0].response.steps"),
    ("step-result-status", _set(f"{C0}.response.steps", [{"text": "", "results": [
        {"id": "t", "name": "Read", "input": {}, "status": "maybe", "content": ""}]}]), "calls[0].response.steps[0].results[0].status"),
    ("tools-not-names", _set(f"{C0}.request.tools", [{"name": "Read"}]), "calls[0].request.tools[0]"),
    ("error-as-text", _set(f"{C0}.response.error", "boom"), "calls[0].response.error"),
    ("agent-as-text", _set(f"{C0}.request.agent", "sql-expert"), "calls[0].request.agent"),
    ("agent-name-integer", _set(f"{C0}.request.agent", {"name": 7}), "calls[0].request.agent.name"),
    ("messages-as-text", _set(f"{C0}.request.messages", "hi"), "calls[0].request.messages"),
    ("message-role-system", _set(f"{C0}.request.messages", [{"role": "system", "content": "x"}]),
     "calls[0].request.messages[0].role"),
    ("hash-integer", _set(f"{C0}.request.hash", 5), "calls[0].request.hash"),
    ("prompt-integer", _set("prompt", 3), "prompt"),
    ("mode-unknown", _set("mode", "parallel"), "mode"),
    ("format-unknown", _set("format", "pdf"), "format"),
]


@pytest.fixture
def exported(fake_model: FakeModelServer, tmp_path: Path) -> dict[str, Any]:
    """A real exported notebook of one project (two cells), the project deleted again."""
    fake_model.enqueue(Reply(text="first answer"), Reply(text="second answer"))
    list(Session(Ask("one", project="tamper", agent="sql-expert", cell_id="cell-a")).stream())
    list(Session(Ask("two", project="tamper", cell_id="cell-b")).stream())
    store = Store.open()
    nb = export_notebook(store, "tamper")
    store.delete_project("tamper")
    return nb


def _record(nb: dict[str, Any], cell_id: str) -> Record:
    (cell,) = [c for c in nb["cells"] if c.get("id") == cell_id]
    return cell["outputs"][0]["metadata"]["vibing2_lab"]


@pytest.mark.parametrize(("mutate", "field"), [(m, f) for _, m, f in TAMPERED], ids=[t[0] for t in TAMPERED])
def test_import_refuses_a_tampered_record_naming_the_cell_and_field(exported: dict[str, Any], tmp_path: Path,
                                                                    mutate: Callable[[Record], None],
                                                                    field: str) -> None:
    mutate(_record(exported, "cell-b"))  # the second cell: the first is valid and must not be stored either
    path = tmp_path / "tampered.ipynb"
    path.write_text(json.dumps(exported), encoding="utf-8")
    runs = len(Store.open().runs())  # the runs of the deleted source project stay, for stats
    with pytest.raises(ExportError) as info:
        import_notebook(Store.open(), path)
    message = info.value.message
    assert f"{path}: cell cell-b: invalid vibing2_lab record: {field}: " in message, message
    assert info.value.hint
    assert Store.open().list_projects() == []
    assert len(Store.open().runs()) == runs


def test_non_finite_numbers_are_not_json(exported: dict[str, Any], tmp_path: Path) -> None:
    _record(exported, "cell-b")["calls"][0]["response"]["cost_usd"] = float("nan")
    path = tmp_path / "nan.ipynb"
    path.write_text(json.dumps(exported), encoding="utf-8")  # Python writes NaN; JSON has no such number
    with pytest.raises(ExportError, match="NaN is not a JSON number"):
        import_notebook(Store.open(), path)
    assert Store.open().list_projects() == []


def test_the_cli_import_says_which_cell_and_field_and_stats_still_work(exported: dict[str, Any],
                                                                       tmp_path: Path) -> None:
    _record(exported, "cell-a")["calls"][0]["response"]["usage"]["input_tokens"] = 10**40
    path = tmp_path / "p.ipynb"
    path.write_text(json.dumps(exported), encoding="utf-8")
    out = run_cli("projects", "import", str(path))
    assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr
    assert "cell cell-a" in out.stderr and "calls[0].response.usage.input_tokens" in out.stderr
    assert run_cli("projects", "list").stdout.count("tamper") == 0
    assert run_cli("stats").returncode == 0


def test_the_largest_allowed_numbers_import_and_stats_sum_them(exported: dict[str, Any], tmp_path: Path) -> None:
    for cell_id in ("cell-a", "cell-b"):
        response = _record(exported, cell_id)["calls"][0]["response"]
        response["usage"].update(input_tokens=10**9, output_tokens=10**9)
        response["cost_usd"] = 10**6
    path = tmp_path / "big.ipynb"
    path.write_text(json.dumps(exported), encoding="utf-8")
    import_notebook(Store.open(), path)
    (total,) = [row for row in stats_rows(Store.open(), by=("project",)) if row["project"] == "tamper"]
    assert (total["runs"], total["input_tokens"], total["cost_usd"]) == (2, 2 * 10**9, 2 * 10**6)
    assert run_cli("stats").returncode == 0


def test_replay_leaves_out_a_tampered_record_and_says_so(exported: dict[str, Any], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _record(exported, "cell-a")["calls"][0]["response"]["text"] = 42
    path = tmp_path / "replayed.ipynb"
    path.write_text(json.dumps(exported), encoding="utf-8")
    monkeypatch.setenv("VIBING2_LAB_REPLAY_NOTEBOOK", str(path))
    session = Session(Ask("one", project="tamper", agent="sql-expert", cell_id="cell-a", replay="strict"))
    list(session.stream())
    with pytest.raises(ReplayError) as info:
        session.raise_for_error()
    assert "1 record(s) refused" in info.value.message and "cell cell-a" in info.value.message
    assert "calls[0].response.text" in info.value.message
    replayed = Session(Ask("two", cell_id="cell-b", replay="strict", store=False))
    assert [e.text for e in replayed.stream() if e.type == "complete"] == ["second answer"]  # the valid one
