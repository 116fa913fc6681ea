"""`%%vibe --bg` in real kernels (nbclient and jupyter_client) against the fake model server."""

from __future__ import annotations

import time
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.fakes.model_server import FakeModelServer, Reply
from tests.magics.conftest import error_of, execute, notebook, record_of
from vibing2_lab.store import Store

pytestmark = pytest.mark.kernel


def slow(text_words: int, delay: float, word: str = "w") -> Reply:
    words = [f"{word}{i} " for i in range(text_words)]
    return Reply(text="".join(words), tokens=words, delay=delay)


class Timed(NotebookClient):
    """Records when each cell's execution ended (nbclient runs them one after another)."""

    ended: list[float]

    async def async_execute_cell(self, cell: Any, cell_index: int, *args: Any, **kwargs: Any) -> Any:
        result = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
        self.ended = [*getattr(self, "ended", []), time.monotonic()]
        return result


def test_bg_cell_returns_at_once_the_next_cell_runs_and_wait_saves_the_record(
        fake_model: FakeModelServer) -> None:
    reply = slow(40, 0.05)  # ~2 s of streaming
    fake_model.enqueue(reply)
    nb = notebook("%%vibe --bg -p bgproj\ntell me slowly", "x = 21 * 2\nprint(x)", "%vibe jobs", "%vibe wait")
    client = Timed(nb, timeout=60, kernel_name="python3", allow_errors=True)
    client.execute()
    load, bg, nxt, jobs, wait = client.ended
    assert bg - load < 1.0, "the --bg cell held the kernel"
    assert nxt - load < 1.5, "the next cell waited for the answer"
    assert wait - load > 1.5, "%vibe wait returned before the answer ended"
    assert error_of(nb.cells[1]) is None and error_of(nb.cells[4]) is None
    assert "42" in nb.cells[2].outputs[0]["text"]
    assert "running" in nb.cells[3].outputs[0]["data"]["text/plain"]
    record = record_of(nb.cells[1])  # the background cell's own output holds the complete record
    (call,) = record["calls"]
    assert call["response"]["text"] == reply.text and call["response"]["status"] == "complete"
    assert "\n\nw0 w1 w2" in nb.cells[1].outputs[-1]["data"]["text/markdown"]
    store = Store.open()
    (answer,) = [m for m in store.history(store.get_project("bgproj").id) if m.role == "assistant"]
    assert answer.content == reply.text and answer.status == "complete"


def test_two_background_asks_at_once_store_both(fake_model: FakeModelServer) -> None:
    first, second = slow(20, 0.05, "a"), slow(20, 0.05, "b")
    fake_model.enqueue(first, second)
    nb = execute(notebook("%%vibe --bg -p both\nfirst", "%%vibe --bg -p both\nsecond", "%vibe wait"))
    assert all(error_of(cell) is None for cell in nb.cells)
    texts = {record_of(cell)["calls"][0]["response"]["text"] for cell in nb.cells[1:3]}
    assert texts == {first.text, second.text}
    store = Store.open()
    messages = store.history(store.get_project("both").id)
    assert sorted(m.content for m in messages if m.role == "user") == ["first", "second"]
    assert {m.content for m in messages if m.role == "assistant" and m.status == "complete"} == texts


def test_wait_raises_the_failure_of_a_failed_job(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(fault="http", status=500))
    fake_model.default = Reply(fault="http", status=500)
    nb = execute(notebook("%%vibe --bg --no-store\nfail please", "import time; time.sleep(1); print('free')",
                          "%vibe wait", "%vibe wait", "%vibe cancel 9"))
    assert error_of(nb.cells[1]) is None  # the --bg cell itself returned
    assert "free" in nb.cells[2].outputs[0]["text"]
    failure = error_of(nb.cells[3])  # the job ended before this wait: it still raises here, once
    assert failure is not None and failure["ename"] not in ("KeyboardInterrupt", "InputError"), failure
    assert "500" in "".join(failure["traceback"])
    assert error_of(nb.cells[4]) is None
    assert record_of(nb.cells[1])["calls"][0]["response"]["status"] == "error"
    unknown = error_of(nb.cells[5])
    assert unknown["ename"] == "InputError" and "%vibe jobs" in "".join(unknown["traceback"])


def test_cancel_keeps_the_partial_answer_in_the_store_and_the_cell(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(slow(400, 0.05))  # 20 s if nobody stops it
    nb = execute(notebook("%%vibe --bg -p cancelled\nlong story", "import time; time.sleep(1)",
                          "%vibe cancel 1", "%vibe wait 1"))
    assert "cancelled" in nb.cells[3].outputs[0]["text"]
    assert error_of(nb.cells[4]) is None  # a cancelled job is not a failure
    response = record_of(nb.cells[1])["calls"][0]["response"]
    assert response["status"] == "cancelled" and response["text"].startswith("w0 w1")
    assert len(response["text"]) < len(slow(400, 0.05).text)
    store = Store.open()
    (answer,) = [m for m in store.history(store.get_project("cancelled").id) if m.role == "assistant"]
    assert answer.status == "cancelled" and answer.content == response["text"]


def test_kernel_shutdown_cancels_jobs_and_stores_the_partial_answers(fake_model: FakeModelServer) -> None:
    from jupyter_client.manager import start_new_kernel

    fake_model.enqueue(slow(400, 0.05))
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        for code in ("%load_ext vibing2_lab", "%%vibe --bg -p shutdown\nlong story", "import time; time.sleep(1)"):
            assert kc.execute_interactive(code, timeout=30)["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)  # a real shutdown_request: the kernel exits on its own
    store = Store.open()
    (answer,) = [m for m in store.history(store.get_project("shutdown").id) if m.role == "assistant"]
    assert answer.status == "cancelled" and answer.content.startswith("w0 w1 ")
    assert len(fake_model.requests) == 1


def test_consent_is_denied_in_a_job_with_the_reason_and_help_says_so(fake_model: FakeModelServer) -> None:
    nb = execute(notebook("%vibe --help"))
    help_text = " ".join(nb.cells[1].outputs[0]["text"].split())
    assert "--bg" in help_text and "--allow" in help_text and "consent" in help_text


def test_the_panel_streams_from_the_thread_while_the_kernel_is_idle(fake_model: FakeModelServer) -> None:
    """jupyter_client: after the --bg cell's reply, widget frames and the final display update
    (same display id as the cell's panel) still arrive on iopub, with no cell running."""
    from jupyter_client.manager import start_new_kernel

    reply = slow(30, 0.05)
    fake_model.enqueue(reply)
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        assert kc.execute_interactive("%load_ext vibing2_lab", timeout=30)["content"]["status"] == "ok"
        shown: list[dict] = []
        result = kc.execute_interactive("%%vibe --bg --no-store\nstream", timeout=30, output_hook=shown.append)
        with fake_model._lock:  # the reply came while the answer was still streaming (not a wall-clock bound)
            written = bytes(fake_model.written).count(b'"text_delta"')
        assert result["content"]["status"] == "ok" and written < len(reply.tokens), written
        (display,) = [m for m in shown if m["msg_type"] == "display_data"]
        display_id = display["content"]["transient"]["display_id"]
        later: list[dict] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(m["msg_type"] == "update_display_data" for m in later):
            try:
                later.append(kc.get_iopub_msg(timeout=1))
            except Exception:  # queue.Empty: nothing yet
                continue
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    frames = [m for m in later if m["msg_type"] == "comm_msg" and m["content"]["data"].get("method") == "custom"]
    streamed = "".join(text for m in frames for _, text in m["content"]["data"]["content"]["deltas"])
    assert len(frames) > 3 and streamed == reply.text  # the panel streamed while the kernel was idle
    (update,) = [m for m in later if m["msg_type"] == "update_display_data"]
    assert update["content"]["transient"]["display_id"] == display_id
    assert update["content"]["metadata"]["vibing2_lab"]["calls"][0]["response"]["text"] == reply.text


def test_replay_of_a_notebook_with_bg_cells_is_byte_identical(fake_model: FakeModelServer, tmp_path: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from vibing2_lab.notebook.rerun import comparable

    fake_model.enqueue(slow(15, 0.02, "a"), slow(15, 0.02, "b"))
    live = execute(notebook("%%vibe --bg\nfirst", "%%vibe --bg -a data-analyst\nsecond", "print('between')",
                            "%vibe wait"))
    path = tmp_path / "bg.ipynb"
    nbformat.write(live, path)
    fake_model.default = Reply(fault="http", status=500)  # a live call now would fail the cell
    monkeypatch.setenv("VIBING2_LAB_MODE", "replay")
    monkeypatch.setenv("VIBING2_LAB_REPLAY_NOTEBOOK", str(path))
    monkeypatch.setenv("VIBING2_LAB_REPLAY_PACE", "0")
    monkeypatch.setenv("VIBING2_LAB_HOME", str(tmp_path / "fresh-home"))
    requests = len(fake_model.requests)
    replayed = execute(nbformat.read(path, as_version=4))
    assert len(fake_model.requests) == requests
    for old, new in zip(json.loads(path.read_text())["cells"][1:], json.loads(nbformat.writes(replayed))["cells"][1:]):
        assert old["outputs"] or "".join(old["source"]) == "%vibe wait", old["source"]
        a = json.dumps(comparable(old["outputs"]), sort_keys=True).encode()
        b = json.dumps(comparable(new["outputs"]), sort_keys=True).encode()
        assert a == b, old["source"]


def test_stop_in_the_panel_cancels_the_job_through_a_widget_message(fake_model: FakeModelServer) -> None:
    """The panel's Stop for a --bg answer is a comm message (no interrupt): sent while the kernel
    is idle, the job ends as cancelled and the other cells are untouched."""
    from jupyter_client.manager import start_new_kernel

    fake_model.enqueue(slow(400, 0.05))
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        assert kc.execute_interactive("%load_ext vibing2_lab", timeout=30)["content"]["status"] == "ok"
        shown: list[dict] = []
        kc.execute_interactive("%%vibe --bg -p stopped\nlong", timeout=30, output_hook=shown.append)
        (display,) = [m for m in shown if m["msg_type"] == "display_data"]
        model_id = display["content"]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        opened = [m for m in shown if m["msg_type"] == "comm_open" and m["content"]["comm_id"] == model_id]
        assert opened[0]["content"]["data"]["state"]["background"] is True
        time.sleep(0.5)
        kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": model_id,
                                                          "data": {"method": "custom", "content": {"type": "stop"}}}))
        printed: list[dict] = []
        kc.execute_interactive("%vibe wait 1\n%vibe jobs", timeout=30, output_hook=printed.append)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    table = [m for m in printed if m["msg_type"] == "display_data"]
    assert "cancelled" in table[-1]["content"]["data"]["text/plain"]
    store = Store.open()
    (answer,) = [m for m in store.history(store.get_project("stopped").id) if m.role == "assistant"]
    assert answer.status == "cancelled" and 0 < len(answer.content) < len(slow(400, 0.05).text)


def test_in_a_job_consent_is_denied_with_the_reason_and_allow_still_runs_the_tool(
        fake_model: FakeModelServer, vibe_home: Any) -> None:
    """Even with a client that answers stdin, a job never asks: Bash is denied (why: --bg), Python
    pre-approved with --allow runs in the user's namespace."""
    from jupyter_client.manager import start_new_kernel

    from tests.magics.test_tools_kernel import agent, result_text, results

    name = agent(vibe_home, "Python, Bash")
    fake_model.enqueue(Reply(text="", tool_uses=[{"name": "Bash", "input": {"command": "touch nope"}},
                                                 {"name": "Python", "input": {"code": "made = 41 + 1"}}]),
                       Reply(text="Done."))
    asked: list[dict] = []
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        assert kc.execute_interactive("%load_ext vibing2_lab", timeout=30)["content"]["status"] == "ok"
        reply = kc.execute_interactive(f"%%vibe --bg -a {name} --allow Python --no-store\ngo", timeout=30,
                                       allow_stdin=True, stdin_hook=asked.append)
        assert reply["content"]["status"] == "ok"
        shown: list[dict] = []
        kc.execute_interactive("%vibe wait\nprint(made)", timeout=30, allow_stdin=True, stdin_hook=asked.append,
                               output_hook=shown.append)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert asked == []  # nobody was asked on stdin
    bash, python = results(fake_model.requests[1])
    assert bash["is_error"] and "background answer (--bg)" in result_text(bash) and "--allow Bash" in result_text(bash)
    assert not python.get("is_error")
    assert any(m["msg_type"] == "stream" and "42" in m["content"]["text"] for m in shown)
