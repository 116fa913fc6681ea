"""Agent tools in a real kernel: consent asked over the kernel's stdin (as JupyterLab's input box
does it), denied at once without stdin (nbclient), Stop while asking, NotebookRead/NotebookEdit
without a front end. The fake model server scripts the tool calls; the next request carries the
results, which is what these tests read."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from jupyter_client.manager import start_new_kernel

from tests.fakes.model_server import FakeModelServer, Reply
from tests.magics.conftest import error_of, execute, notebook, record_of
from tests.tools.conftest import write_agent

pytestmark = pytest.mark.kernel

def agent(home: Path, tools: str, name: str = "tool-user") -> str:
    """An agent listing `tools`, in the data directory's agents folder (kernels and labs read it)."""
    folder = home / "agents"
    folder.mkdir(exist_ok=True)
    write_agent(folder, name, f"[{tools}]", body="You use tools.")
    return name


def results(request: Any) -> list[dict[str, Any]]:
    """The tool results a request carries (Anthropic wire): [{id, content, is_error}]."""
    found = []
    for message in request.body["messages"]:
        if isinstance(message.get("content"), list):
            found += [b for b in message["content"] if b.get("type") == "tool_result"]
    return found


def result_text(block: dict[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content)
    return str(content)


@pytest.fixture
def kernel(fake_model: FakeModelServer, vibe_home: Path) -> Iterator[Any]:
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        assert kc.execute_interactive("%load_ext vibing2_lab\nx = 41", timeout=60)["content"]["status"] == "ok"
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_consent_is_asked_on_stdin_and_allow_runs_the_tool(kernel: Any, fake_model: FakeModelServer,
                                                           vibe_home: Path) -> None:
    name = agent(vibe_home, "Python, WebFetch")  # WebFetch: not a tool here, a warning says so
    fake_model.enqueue(Reply(text="Computing.", tool_uses=[{"name": "Python", "input": {"code": "x + 1"}}]),
                       Reply(text="It is 42."))
    prompts: list[dict] = []

    def answer(msg: dict) -> None:
        prompts.append(msg["content"])
        kernel.input("y")

    seen: list[dict] = []
    reply = kernel.execute_interactive(f"%%vibe -a {name} --no-store\nadd one", allow_stdin=True,
                                       stdin_hook=answer, output_hook=seen.append, timeout=60)
    assert reply["content"]["status"] == "ok"
    (prompt,) = prompts
    assert prompt["password"] is False
    assert prompt["prompt"].startswith("[vibe:") and "Python (tool-user) wants to run: 'x + 1'" in prompt["prompt"]
    assert "y = once" in prompt["prompt"] and "n[: reason] = deny" in prompt["prompt"]
    (result,) = results(fake_model.requests[1])
    assert not result.get("is_error") and "42" in result_text(result)
    # the panel was told: a pending question with the code, then the step's result
    steps = [m["content"]["data"]["content"] for m in seen if m["msg_type"] == "comm_msg"
             and m["content"]["data"].get("method") == "custom" and m["content"]["data"]["content"]["type"] == "step"]
    asked = [s["step"] for s in steps if s["step"].get("ask")]
    assert asked and asked[0]["ask"]["description"] == "x + 1" and asked[0]["status"] == "pending"
    assert prompt["prompt"].startswith(f"[vibe:{asked[0]['ask']['token']}]")
    assert steps[-1]["step"]["status"] == "ok" and "42" in steps[-1]["step"]["content"]
    # the answered prompt's echo is replaced: the cell ends with the final display, and the
    # warnings shown before the output was cleared are shown again
    types = [m["msg_type"] for m in seen]
    cleared = types.index("clear_output")
    after = [m["content"].get("text", "") for m in seen[cleared:] if m["msg_type"] == "stream"]
    assert any("WebFetch" in text for text in after), after
    assert "display_data" in types[cleared:]


def test_deny_with_a_reason_goes_back_to_the_model_and_a_for_cell_allow_is_asked_once(
        kernel: Any, fake_model: FakeModelServer, vibe_home: Path, tmp_path: Path) -> None:
    name = agent(vibe_home, "Python, Bash")
    fake_model.enqueue(
        Reply(text="", tool_uses=[{"name": "Bash", "input": {"command": "rm -rf /tmp/nothing"}}]),
        Reply(text="", tool_uses=[{"name": "Python", "input": {"code": "y = 1"}}]),
        Reply(text="", tool_uses=[{"name": "Python", "input": {"code": "y = 2"}}]),
        Reply(text="Done."))
    answers = iter(["n: not on my machine", "a"])
    prompts: list[str] = []

    def answer(msg: dict) -> None:
        prompts.append(msg["content"]["prompt"])
        kernel.input(next(answers))

    reply = kernel.execute_interactive(f"%%vibe -a {name} --no-store\ngo", allow_stdin=True, stdin_hook=answer,
                                       timeout=60)
    assert reply["content"]["status"] == "ok"
    assert len(prompts) == 2 and "Bash" in prompts[0] and "Python" in prompts[1]  # the 2nd Python: not asked
    denied = results(fake_model.requests[1])[-1]
    assert denied["is_error"] and "not on my machine" in result_text(denied)
    ran = kernel.execute_interactive("print(y)", timeout=30, output_hook=lambda m: prompts.append(
        m["content"].get("text", "")))
    assert ran["content"]["status"] == "ok" and "2\n" in prompts


def test_stop_while_asking_cancels_and_keeps_the_partial_answer(fake_model: FakeModelServer, vibe_home: Path) -> None:
    name = agent(vibe_home, "Python")
    fake_model.enqueue(Reply(text="Before the tool.", tool_uses=[{"name": "Python", "input": {"code": "1"}}]))
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        kc.execute_interactive("%load_ext vibing2_lab", timeout=60)
        asked = threading.Event()

        def answer(msg: dict) -> None:  # nobody answers: interrupt instead, as Stop does
            asked.set()
            km.interrupt_kernel()

        started = time.monotonic()
        seen: list[dict] = []
        reply = kc.execute_interactive(f"%%vibe -a {name} -p stopped-asking\ngo", allow_stdin=True,
                                       stdin_hook=answer, output_hook=seen.append, timeout=60)
        assert asked.is_set() and time.monotonic() - started < 20
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "CancelledError"
        assert [m["msg_type"] for m in seen].count("clear_output") == 1  # the open input box goes too
        live, final = [m for m in seen if m["msg_type"] == "display_data"]
        record = final["content"]["metadata"]["vibing2_lab"]
        response = record["calls"][0]["response"]
        assert response["status"] == "cancelled" and response["text"] == "Before the tool."
        assert len(fake_model.requests) == 1  # the tool never ran, nothing was sent after
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_without_stdin_consent_is_denied_at_once_and_notebook_edit_refused(
        fake_model: FakeModelServer, vibe_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat

    name = agent(vibe_home, "Python, NotebookRead, NotebookEdit")
    fake_model.enqueue(
        Reply(text="", tool_uses=[{"name": "Python", "input": {"code": "open('made.txt', 'w').write('x')"}},
                                  {"name": "NotebookRead", "input": {}},
                                  {"name": "NotebookEdit", "input": {"new_source": "1", "edit_mode": "insert"}}]),
        Reply(text="Understood."))
    nb = notebook(f"%%vibe -a {name} -p no-stdin --allow NotebookEdit\ngo", "after = 1")
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    nb_sources = [c.source for c in nb.cells][1:]
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))  # as Jupyter server sets it: NotebookRead reads the file
    started = time.monotonic()
    execute(nb, cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert error_of(nb.cells[1]) is None and nb.cells[2].execution_count  # nothing hung, Run All went on
    python, read, edit = results(fake_model.requests[1])
    assert python["is_error"] and "nobody could be asked" in result_text(python)
    assert not (tmp_path / "made.txt").exists()
    assert not read.get("is_error") and "saved version on disk" in result_text(read)
    assert "%%vibe -a tool-user -p no-stdin" in result_text(read) and "after = 1" in result_text(read)
    assert edit["is_error"] and "no notebook front end is attached" in result_text(edit)
    assert [c.source for c in nbformat.read(path, as_version=4).cells][1:] == nb_sources  # the file is untouched
    steps = record_of(nb.cells[1])["calls"][0]["response"]["steps"][0]["results"]
    assert [s["status"] for s in steps] == ["denied", "ok", "error"]
    assert steps[0]["consent"]["by"] == "nobody" and steps[2]["consent"]["by"] == "allow-flag"


def test_replay_shows_the_same_steps_byte_for_byte_and_runs_no_tool(
        fake_model: FakeModelServer, vibe_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat

    from vibing2_lab.notebook.rerun import comparable

    name = agent(vibe_home, "Python")
    code = "open('side-effect.txt', 'a').write('ran\\n')\ntotal = 6\ntotal"
    fake_model.enqueue(Reply(text="Running it.", tool_uses=[{"name": "Python", "input": {"code": code}}]),
                       Reply(text="The total is 6."))
    nb = execute(notebook(f"%%vibe -a {name} -p replayed-steps --allow Python\nCompute."), cwd=tmp_path)
    live = record_of(nb.cells[1])
    assert "[tool Python · ok" in nb.cells[1].outputs[-1]["data"]["text/plain"]
    assert (tmp_path / "side-effect.txt").read_text() == "ran\n"
    path = tmp_path / "steps.ipynb"
    nbformat.write(nb, path)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing answers there
    monkeypatch.setenv("VIBING2_LAB_MODE", "replay")
    monkeypatch.setenv("VIBING2_LAB_REPLAY_NOTEBOOK", str(path))
    monkeypatch.setenv("VIBING2_LAB_REPLAY_PACE", "0")
    replayed = execute(nbformat.read(path, as_version=4), cwd=tmp_path)
    assert error_of(replayed.cells[1]) is None
    assert comparable(replayed.cells[1].outputs) == comparable(nb.cells[1].outputs)
    assert record_of(replayed.cells[1])["calls"][0]["response"]["steps"] == live["calls"][0]["response"]["steps"]
    assert (tmp_path / "side-effect.txt").read_text() == "ran\n"  # the tool did not run again


def test_fan_out_agents_ask_from_their_threads_one_question_at_a_time(kernel: Any, fake_model: FakeModelServer,
                                                                      vibe_home: Path) -> None:
    first, second = agent(vibe_home, "Python", "fan-a"), agent(vibe_home, "Python", "fan-b")

    def respond(request: Any) -> Reply:
        if results(request):
            return Reply(text="done")
        return Reply(text="", tool_uses=[{"name": "Python", "input": {"code": f"fan_{len(fake_model.requests)} = 1"}}])

    fake_model.respond = respond
    prompts: list[str] = []

    def answer(msg: dict) -> None:
        prompts.append(msg["content"]["prompt"])
        kernel.input("y")

    reply = kernel.execute_interactive(f"%%vibe --agents {first},{second} --no-store\ngo", allow_stdin=True,
                                       stdin_hook=answer, timeout=60)
    assert reply["content"]["status"] == "ok"
    assert len(prompts) == 2 and {"fan-a" in p for p in prompts} == {True, False}  # each agent asked once
    names: list[str] = []
    kernel.execute_interactive("print(sorted(k for k in globals() if k.startswith('fan_')))", timeout=30,
                               output_hook=lambda m: names.append(m["content"].get("text", "")))
    assert len(ast.literal_eval("".join(names))) == 2  # both tools ran in the user's namespace (fan_<request number>)
