"""Interrupting the kernel while an agent's Python tool runs stops the tool, not only the stream."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from tests.fakes.model_server import FakeModelServer, Reply
from tests.magics.conftest import error_of, notebook, record_of
from vibing2_lab.store import Store

pytestmark = pytest.mark.kernel


def test_interrupt_during_a_python_tool_keeps_the_partial_answer(fake_model: FakeModelServer, agents: Path,
                                                                 work: Path) -> None:
    fake_model.enqueue(Reply(text="Crunching the numbers.", tool_uses=[
        {"id": "p1", "name": "Python", "input": {"code": "import time\nfor i in range(600):\n    time.sleep(0.1)\n"
                                                          "open('finished', 'w').write('yes')"}}]))
    nb = notebook("%%vibe --agent analyst --allow Python -p stopper --model openai:fake-model\ncrunch", "after = 1")
    client = NotebookClient(nb, timeout=90, kernel_name="python3", allow_errors=True,
                            kernel_manager_class=KernelManager, resources={"metadata": {"path": str(work)}})

    def interrupt_during_the_tool() -> None:
        deadline = time.monotonic() + 60
        while not fake_model.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # the answer streamed; the tool is sleeping
        client.km.interrupt_kernel()

    threading.Thread(target=interrupt_during_the_tool, daemon=True).start()
    started = time.monotonic()
    client.execute()
    assert time.monotonic() - started < 30, "the tool was not interrupted"
    cell = nb.cells[1]
    assert error_of(cell)["ename"] == "CancelledError"
    assert not (work / "finished").exists() and len(fake_model.requests) == 1
    (call,) = record_of(cell)["calls"]
    assert call["response"]["status"] == "cancelled" and call["response"]["text"] == "Crunching the numbers."
    (result,) = call["response"]["steps"][0]["results"]
    assert result["name"] == "Python" and "Interrupted" in result["content"]
    answer = Store.open().get_project("stopper").messages[-1]
    assert (answer.status, answer.content) == ("cancelled", "Crunching the numbers.")
