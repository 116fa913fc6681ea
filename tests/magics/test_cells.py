"""`%%vibe` cells executed by nbclient in real kernels against the fake model server."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from tests.fakes.model_server import FakeModelServer, Reply
from tests.magics.conftest import WIDGET_VIEW, error_of, execute, notebook, record_of, vibe_output
from vibing2_lab.agents import default_registry
from vibing2_lab.notebook.record import METADATA_KEY
from vibing2_lab.notebook.render import render_bundle
from vibing2_lab.store import Store

pytestmark = pytest.mark.kernel

ANSWER = ("Sales grew **12%**. <script>alert('x')</script> <img src=x onerror=alert(1)>\n\n"
          "```python\ntotal = sum(sales)\nprint(total)\n```\n")


def widget_answers(nb: nbformat.NotebookNode, output: dict) -> list[dict]:
    """The `answers` trait of an output's widget, from the widget state nbclient saved."""
    model_id = output["data"][WIDGET_VIEW]["model_id"]
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    return state[model_id]["state"]["answers"]


def system_of(fake: FakeModelServer, i: int) -> str:
    return fake.requests[i].body.get("system") or ""


def test_single_agent_leaves_the_widget_the_static_bundle_and_the_record(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text=ANSWER))
    nb = execute(notebook("%%vibe --agent data-analyst\nSummarise the sales."))
    cell = nb.cells[1]
    assert error_of(cell) is None
    output = vibe_output(cell)
    assert output.output_type == "display_data"
    record = output.metadata[METADATA_KEY]
    # the static rendering is exactly the pure function of the saved record
    assert dict(output.data) == {WIDGET_VIEW: output.data[WIDGET_VIEW], **render_bundle(record)}
    assert set(output.data) == {WIDGET_VIEW, "text/plain", "text/markdown", "text/html"}
    html = output.data["text/html"]
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert record["mode"] == "single" and record["project"] == "scratch" and record["format"] == "markdown"
    assert record["prompt"] == "Summarise the sales."
    (call,) = record["calls"]
    agent = default_registry().get("data-analyst")
    assert call["request"]["agent"] == {"name": "data-analyst", "sha256": agent.sha256, "source": "bundled"}
    assert call["response"]["status"] == "complete" and call["response"]["text"] == ANSWER
    assert call["response"]["usage"]["output_tokens"] > 0
    assert system_of(fake_model, 0) == agent.system_prompt
    # the saved widget state holds the full text, set once at the end
    (answer,) = widget_answers(nb, output)
    assert answer["text"] == ANSWER and answer["status"] == "complete" and answer["agent"] == "data-analyst"
    # the store has the exchange; the key appears nowhere in the notebook
    project = Store.open().get_project("scratch")
    assert [(m.role, m.content) for m in project.messages] == [("user", "Summarise the sales."),
                                                                 ("assistant", ANSWER)]
    assert "sk-ant-fake-test-key" not in nbformat.writes(nb)


def test_fan_out_of_two_agents_records_both_answers(fake_model: FakeModelServer) -> None:
    fake_model.respond = lambda req: Reply(
        text="Bar chart of revenue." if "visualization" in (req.body.get("system") or "").lower()
        else "SELECT day, sum(revenue) FROM sales GROUP BY day;", delay=0.01)
    nb = execute(notebook("%%vibe --agents sql-expert,visualization-expert\nRevenue per day?"))
    cell = nb.cells[1]
    assert error_of(cell) is None
    record = record_of(cell)
    assert record["mode"] == "fanout"
    texts = {c["request"]["agent"]["name"]: c["response"]["text"] for c in record["calls"]}
    assert texts == {"sql-expert": "SELECT day, sum(revenue) FROM sales GROUP BY day;",
                     "visualization-expert": "Bar chart of revenue."}
    # both prompts are the cell body: fan-out sends the same question to each agent
    assert [r.body["messages"][-1]["content"] for r in fake_model.requests] == ["Revenue per day?"] * 2
    output = vibe_output(cell)
    answers = widget_answers(nb, output)
    assert [a["agent"] for a in answers] == ["sql-expert", "visualization-expert"]
    assert [a["text"] for a in answers] == [texts["sql-expert"], texts["visualization-expert"]]
    markdown = output.data["text/markdown"]
    assert markdown.index("**sql-expert**") < markdown.index("**visualization-expert**")


def test_chain_passes_each_answer_to_the_next_agent(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="Draft: use a CTE."), Reply(text="Review: looks right."))
    nb = execute(notebook("%%vibe --agents sql-expert,code-reviewer --chain\nTop customers?"))
    cell = nb.cells[1]
    assert error_of(cell) is None
    record = record_of(cell)
    assert record["mode"] == "chain"
    assert [c["request"]["agent"]["name"] for c in record["calls"]] == ["sql-expert", "code-reviewer"]
    second_prompt = fake_model.requests[1].body["messages"][-1]["content"]
    assert second_prompt.startswith("Top customers?") and "Draft: use a CTE." in second_prompt
    assert record["calls"][1]["request"]["prompt"] == second_prompt
    assert [a["status"] for a in widget_answers(nb, vibe_output(cell))] == ["complete", "complete"]


def test_interpolation_keeps_code_braces_and_inserts_values_and_errors(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="ok"))
    body = ("Rows: {rows}; table {t.name}; missing {nope}; cell 2: {In[2]}\n"
            "def f(): return {'k': rows} and f\"{undefined}\" and {{rows}}\n"
            "const o = {a: 1}; `${rows}`; \\frac{rows}{2}; .x {color: red}\n"
            "Error: {Err[3]}")
    nb = execute(notebook("rows = 42\nclass T:\n    name = 'sales'\nt = T()", "1/0", "%%vibe --no-store\n" + body))
    assert error_of(nb.cells[2])["ename"] == "ZeroDivisionError"
    assert error_of(nb.cells[3]) is None
    sent = fake_model.requests[0].body["messages"][-1]["content"]
    head = "Rows: 42; table sales; missing {nope}; cell 2: rows = 42\nclass T:\n    name = 'sales'\nt = T()"
    assert sent.startswith(head)
    tail = sent[len(head):].lstrip("\n")
    assert tail.startswith("def f(): return {'k': rows} and f\"{undefined}\" and {{rows}}\n"
                           "const o = {a: 1}; `${rows}`; \\frac{rows}{2}; .x {color: red}\n"
                           "Error: Traceback (most recent call last):")
    assert 'File "Cell In[3]", line 1, in <module>\n    1/0' in tail  # no pid-dependent file name: replayable
    assert "ZeroDivisionError: division by zero" in tail
    assert "interactiveshell.py" not in tail  # IPython's own frames are left out
    assert record_of(nb.cells[3])["prompt"] == sent
    raw = execute(notebook("rows = 1", "%%vibe --no-store --no-interpolate\n{rows} {In[1]}"))
    assert error_of(raw.cells[2]) is None
    assert fake_model.requests[-1].body["messages"][-1]["content"] == "{rows} {In[1]}"


def test_permanent_500_fails_the_cell_with_a_short_error_and_stops_run_all(fake_model: FakeModelServer) -> None:
    fake_model.default = Reply(fault="http", status=500)
    nb = notebook("%%vibe\nhello", "after = 1")
    with pytest.raises(CellExecutionError) as failure:
        execute_strict(nb)
    assert "ServerError" in str(failure.value)
    error = error_of(nb.cells[1])
    assert error["ename"] == "ServerError" and "500" in error["evalue"]
    assert len(error["traceback"]) <= 3 and "How to fix" in error["traceback"][1]
    assert nb.cells[2].execution_count is None  # "Run All" stopped at the failing cell
    record = record_of(nb.cells[1])
    assert record["calls"][0]["response"]["status"] == "error"
    assert "Error (server)" in vibe_output(nb.cells[1]).data["text/markdown"]
    (run,) = Store.open().runs()
    assert run.status == "error" and run.error_kind == "server"


def execute_strict(nb: nbformat.NotebookNode) -> None:
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=False).execute()


def test_error_mid_stream_keeps_the_partial_answer_in_output_and_store(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="part one part two", fault="error_event", after=2, error_type="api_error",
                             error_message="boom"))
    nb = execute(notebook("%%vibe -p shop\nhello"))
    error = error_of(nb.cells[1])
    assert error["ename"] == "ServerError"
    assert any("partial answer" in line for line in error["traceback"])
    output = vibe_output(nb.cells[1])
    (call,) = output.metadata[METADATA_KEY]["calls"]
    assert call["response"]["status"] == "error" and call["response"]["text"] == "part one"
    assert "part one" in output.data["text/markdown"] and "boom" in output.data["text/markdown"]
    answer = Store.open().get_project("shop").messages[-1]
    assert (answer.role, answer.status, answer.content) == ("assistant", "error", "part one")


def test_refused_asks_fail_before_anything_is_sent(fake_model: FakeModelServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    nb = execute(notebook("%%vibe -a sql-expret\nhi", "%%vibe --chain\nhi", "%%vibe\n   "))
    unknown, chain, empty = (error_of(c) for c in nb.cells[1:])
    assert unknown["ename"] == "UnknownAgentError" and "sql-expert" in "".join(unknown["traceback"])
    assert chain["ename"] == "InputError" and "--agents" in "".join(chain["traceback"])
    assert empty["ename"] == "InputError"
    assert fake_model.requests == []
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    nb = execute(notebook("%%vibe\nhi"))
    error = error_of(nb.cells[1])
    assert error["ename"] == "KeyMissingError" and "ANTHROPIC_API_KEY" in "".join(error["traceback"])
    assert fake_model.requests == []


def test_successive_cells_continue_the_notebooks_project(fake_model: FakeModelServer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/Sales review.ipynb")
    fake_model.enqueue(Reply(text="first answer"), Reply(text="second answer"), Reply(text="fresh"))
    nb = execute(notebook("%%vibe\nfirst", "%%vibe\nsecond", "%vibe new", "%%vibe\nthird"))
    assert all(error_of(c) is None for c in nb.cells)
    assert record_of(nb.cells[1])["project"] == "Sales review"
    assert fake_model.requests[1].body["messages"] == [
        {"role": "user", "content": "first"}, {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "second"}]
    assert fake_model.requests[2].body["messages"] == [{"role": "user", "content": "third"}]
    assert record_of(nb.cells[2])["calls"][0]["request"]["messages"] == fake_model.requests[1].body["messages"][:-1]


def test_replay_of_a_saved_notebook_gives_identical_static_outputs(fake_model: FakeModelServer, tmp_path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fake_model.enqueue(Reply(text=ANSWER), Reply(text="A"), Reply(text="B"))
    sources = ["%%vibe -a data-analyst\nSummarise.", "%%vibe --agents sql-expert,code-reviewer --chain\nQuery?"]
    live = execute(notebook(*sources))
    path = tmp_path / "session.ipynb"
    nbformat.write(live, path)
    fake_model.default = Reply(fault="http", status=500)  # a live call now would fail the cell
    monkeypatch.setenv("VIBING2_LAB_REPLAY_NOTEBOOK", str(path))
    monkeypatch.setenv("VIBING2_LAB_HOME", str(tmp_path / "fresh-home"))
    replay = [source.replace("%%vibe", "%%vibe --replay", 1) for source in sources]
    replayed = execute(notebook(*replay, "%%vibe --replay\nnever recorded"))
    for before, after in zip(live.cells[1:], replayed.cells[1:3]):
        assert error_of(after) is None, after.outputs
        static = {k: v for k, v in vibe_output(before).data.items() if k != WIDGET_VIEW}
        assert {k: v for k, v in vibe_output(after).data.items() if k != WIDGET_VIEW} == static
    assert len(fake_model.requests) == 3
    missing = error_of(replayed.cells[3])
    assert missing["ename"] == "ReplayError" and "--replay=fallback" in "".join(missing["traceback"])


def test_saved_notebook_is_valid_and_json_clean(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="fine"))
    nb = execute(notebook("%%vibe\nhi"))
    nbformat.validate(nb)
    json.loads(nbformat.writes(nb))
