"""`%%vibe` seen from the kernel protocol (jupyter_client): payloads, comm traffic, interrupts."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Iterator

import nbformat
import pytest
from jupyter_client.manager import KernelManager, start_new_kernel

from tests.fakes.model_server import FakeModelServer, Reply
from tests.magics.conftest import WIDGET_VIEW, error_of, notebook, record_of, vibe_output
from vibing2_lab.notebook.record import METADATA_KEY
from vibing2_lab.notebook.render import render_bundle
from vibing2_lab.store import Store

pytestmark = pytest.mark.kernel


@pytest.fixture
def kernel(fake_model: FakeModelServer) -> Iterator[tuple[KernelManager, Any]]:
    """A python3 kernel with the extension loaded (started after the fake server's env is set)."""
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        reply = kc.execute_interactive("%load_ext vibing2_lab", timeout=60)
        assert reply["content"]["status"] == "ok"
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run(kc: Any, code: str, timeout: float = 60) -> tuple[dict, list[tuple[float, dict]]]:
    """Execute `code`; returns the execute_reply and every iopub message with its arrival time."""
    seen: list[tuple[float, dict]] = []
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=lambda msg: seen.append((time.monotonic(), msg)))
    return reply, seen


def test_format_code_inserts_the_answers_python_as_the_next_cell(kernel: Any, fake_model: FakeModelServer) -> None:
    _, kc = kernel
    fake_model.enqueue(Reply(text="Try this:\n\n```python\nimport math\nprint(math.pi)\n```\n\n"
                                  "```bash\npip install x\n```\n"))
    reply, _ = run(kc, "%%vibe --format code\nprint pi")
    assert reply["content"]["status"] == "ok"
    (payload,) = reply["content"]["payload"]
    assert payload == {"source": "set_next_input", "text": "import math\nprint(math.pi)", "replace": False}
    reply, _ = run(kc, "%%vibe\nno code please")  # default format: no cell inserted
    assert reply["content"]["payload"] == []


def test_widget_updates_are_coalesced_and_the_final_text_is_exact(kernel: Any, fake_model: FakeModelServer) -> None:
    _, kc = kernel
    tokens = [f"t{i} " for i in range(20_000)]
    fake_model.enqueue(Reply(text="".join(tokens), tokens=tokens, delay=0.0001))
    reply, seen = run(kc, "%%vibe --no-store\ngo fast", timeout=120)
    assert reply["content"]["status"] == "ok"
    comm = [(t, m) for t, m in seen if m["msg_type"] == "comm_msg"]
    frames = [m["content"]["data"]["content"] for _, m in comm if m["content"]["data"].get("method") == "custom"]
    streamed = "".join(text for frame in frames for _, text in frame["deltas"])
    assert streamed == "".join(tokens)  # every token arrived, through deltas only
    updates = [m["content"]["data"]["state"] for _, m in comm if m["content"]["data"].get("method") == "update"]
    final = [u["answers"] for u in updates if "answers" in u][-1]
    assert final[0]["text"] == "".join(tokens) and final[0]["status"] == "complete"
    seconds = comm[-1][0] - comm[0][0]
    assert seconds > 0.5, "the stream was too short to measure a rate"
    assert len(comm) / seconds <= 30, (len(comm), seconds)
    # the text was never re-sent while streaming: bytes stay linear in the answer's length
    sent = sum(len(text) for frame in frames for _, text in frame["deltas"])
    assert sent == len("".join(tokens))


def test_interrupt_stops_the_stream_and_keeps_the_partial_answer(fake_model: FakeModelServer) -> None:
    from nbclient import NotebookClient

    words = [f"word{i} " for i in range(400)]
    fake_model.enqueue(Reply(text="".join(words), tokens=words, delay=0.05))
    nb = notebook("%%vibe -p stopper\nwrite a long essay", "after = 1")
    client = NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                            kernel_manager_class=KernelManager)

    def interrupt_while_streaming() -> None:
        deadline = time.monotonic() + 30
        while not fake_model.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # ~20 tokens in
        client.km.interrupt_kernel()

    stopper = threading.Thread(target=interrupt_while_streaming, daemon=True)
    stopper.start()
    started = time.monotonic()
    client.execute()
    stopper.join(5)
    assert time.monotonic() - started < 15, "the stream was not stopped"
    cell = nb.cells[1]
    error = error_of(cell)
    assert error["ename"] == "CancelledError"
    output = vibe_output(cell)
    (call,) = output.metadata[METADATA_KEY]["calls"]
    partial = call["response"]["text"]
    assert call["response"]["status"] == "cancelled"
    assert 0 < len(partial) < len("".join(words)) and "".join(words).startswith(partial)
    assert partial in output.data["text/plain"] and "cancelled" in output.data["text/markdown"]
    assert dict(output.data) == {WIDGET_VIEW: output.data[WIDGET_VIEW], **render_bundle(record_of(cell))}
    answer = Store.open().get_project("stopper").messages[-1]
    assert (answer.status, answer.content) == ("cancelled", partial)
    assert "sk-ant-fake-test-key" not in nbformat.writes(nb)


def test_login_asks_for_the_key_hidden_and_keeps_it_in_the_keychain(kernel: Any, vibe_home: Any) -> None:
    _, kc = kernel
    secret = "sk-ant-fake-typed-in-0123456789abcdefghij"
    prompts: list[dict] = []

    def answer(msg: dict) -> None:
        prompts.append(msg["content"])
        kc.input(secret)

    seen: list[dict] = []
    reply = kc.execute_interactive("%vibe login anthropic", allow_stdin=True, stdin_hook=answer,
                                   output_hook=seen.append, timeout=60)
    assert reply["content"]["status"] == "ok"
    (prompt,) = prompts
    assert prompt["password"] is True and "anthropic API key" in prompt["prompt"]
    stored = json.loads((vibe_home / "test-keyring.json").read_text())
    assert stored == {"vibing2-lab/anthropic": secret}
    shown = json.dumps([m["content"] for m in seen])
    assert "Stored the anthropic key" in shown and secret not in shown
