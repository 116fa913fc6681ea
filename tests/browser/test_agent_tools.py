"""Agent tools in a real JupyterLab (Chromium): the consent question in the %%vibe panel, Allow
and Deny answered through the kernel's stdin, NotebookRead/NotebookEdit on the live notebook,
and Stop during a long Python tool. The fake model server scripts the tool calls; the request
after a tool call carries its result, which is what the model was told."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from typing import Any, Iterator

import nbformat
import pytest

from tests.browser.conftest import open_lab
from tests.browser.test_vibe_cell import run_cell, saved_records, wait_for_idle_kernel, write_notebook
from tests.fakes.model_server import Reply
from tests.magics.test_tools_kernel import agent as tools_agent
from tests.magics.test_tools_kernel import result_text as text_of
from tests.magics.test_tools_kernel import results as tool_results


@pytest.fixture(autouse=True)
def stop_kernels(lab: Any) -> Iterator[None]:
    """Each test opens a notebook with a kernel of its own: shut them all down after it, so the
    shared lab does not pile up busy kernels on a 2-core machine."""
    yield
    request = urllib.request.Request(f"{lab.url}/api/kernels?token={lab.token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        kernels = json.loads(response.read())
    for kernel in kernels:
        stop = urllib.request.Request(f"{lab.url}/api/kernels/{kernel['id']}?token={lab.token}", method="DELETE")
        with urllib.request.urlopen(stop, timeout=30):
            pass


def agent(lab: Any, tools: str, name: str) -> str:
    return tools_agent(lab.home, tools, name)


def open_notebook(page: Any, lab: Any, name: str) -> None:
    open_lab(page, lab, f"lab/tree/{name}?reset")
    page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
    wait_for_idle_kernel(page)


def wait_done(cell: Any, status: str = "complete", timeout: float = 30_000) -> Any:
    answer = cell.locator(f'section.vibe-answer[data-vibe-status="{status}"]')
    answer.wait_for(timeout=timeout)
    return answer


def wait_finished(cell: Any, timeout: float = 30) -> None:
    """Until the cell's prompt shows its execution count: its last output (the record) has arrived."""
    prompt = cell.locator(".jp-InputPrompt")
    deadline = time.monotonic() + timeout
    while not re.fullmatch(r"\[\d+\]:?", prompt.inner_text().strip()):
        assert time.monotonic() < deadline, prompt.inner_text()
        time.sleep(0.1)


def test_consent_allow_runs_the_tool_and_deny_sends_the_reason_back(page: Any, lab: Any,
                                                                    browser_fake_model: Any) -> None:
    fake = browser_fake_model
    fake.reset()
    name = agent(lab, "Python", "browser-python")
    fake.enqueue(Reply(text="Let me add it up.", tool_uses=[{"name": "Python", "input": {"code": "sum(data)"}}]),
                 Reply(text="The sum is 6."),
                 Reply(text="", tool_uses=[{"name": "Python", "input": {"code": "import shutil"}}]),
                 Reply(text="Fine, I will not."))
    path = write_notebook(lab.root, "agent-consent.ipynb", [
        "%load_ext vibing2_lab\ndata = [1, 2, 3]", f"%%vibe -a {name} -p browser-consent\nSum my data.",
        f"%%vibe -a {name} -p browser-consent\nClean up."])
    open_notebook(page, lab, path.name)
    run_cell(page, 0)

    cell = run_cell(page, 1, done=None)
    step = cell.locator('details.vibe-step[data-vibe-tool="Python"]')
    allow = step.locator('[aria-label="Allow once"]')
    allow.wait_for(timeout=30_000)
    assert step.get_attribute("open") is not None  # a question is shown open
    assert step.get_attribute("data-vibe-step-status") == "pending"
    assert "sum(data)" in step.locator(".vibe-ask").inner_text()
    assert "Let me add it up." in cell.locator(".vibe-body").inner_text()  # the text before the step
    # JupyterLab's own input box carries the same question; the button answers it
    assert "wants to run: 'sum(data)'" in cell.locator(".jp-Stdin-prompt").inner_text()
    allow.click()
    answer = wait_done(cell)
    assert "The sum is 6." in answer.inner_text()
    done = answer.locator('details.vibe-step[data-vibe-step-status="ok"]')
    assert done.count() == 1 and done.get_attribute("open") is None  # folded again once answered
    done.locator("summary").click()
    assert "6" in done.locator(".vibe-step-details").inner_text()
    (result,) = tool_results(fake.requests[1])
    assert not result.get("is_error") and text_of(result).strip().endswith("6")
    wait_finished(cell)
    assert cell.locator(".jp-Stdin-input").count() == 0  # the answered box is gone with the live output

    cell = run_cell(page, 2, done=None)
    deny = cell.locator('[aria-label="Deny"]')
    deny.wait_for(timeout=30_000)
    cell.locator('[aria-label="Reason"]').fill("not in this notebook")
    deny.click()
    answer = wait_done(cell)
    assert answer.locator('details.vibe-step[data-vibe-step-status="denied"]').count() == 1
    denied = tool_results(fake.requests[3])[-1]
    assert denied["is_error"] and "not in this notebook" in text_of(denied)
    wait_finished(cell)

    # the saved notebook holds the records (with the steps) and no echo of the answered prompts
    records = saved_records(page, path)
    steps = [r["calls"][0]["response"]["steps"][0]["results"][0] for r in records]
    assert [(s["status"], s["consent"]["verdict"]) for s in steps] == [("ok", "once"), ("denied", "deny")]
    saved = json.loads(path.read_text(encoding="utf-8"))
    kinds = [o.get("name") or o["output_type"] for c in saved["cells"][1:] for o in c.get("outputs", [])]
    assert "stdin" not in kinds, kinds


def test_notebook_edit_after_allow_inserts_a_cell_in_the_open_notebook(page: Any, lab: Any,
                                                                       browser_fake_model: Any) -> None:
    fake = browser_fake_model
    fake.reset()
    name = agent(lab, "NotebookRead, NotebookEdit", "browser-notebook")
    path = write_notebook(lab.root, "agent-edit.ipynb", [
        "%load_ext vibing2_lab", "data = [1, 2, 3]", f"%%vibe -a {name} --no-store\nAdd a cell that prints the data."])
    target = nbformat.read(path, as_version=4).cells[1].id
    fake.enqueue(Reply(text="Reading the notebook.", tool_uses=[{"name": "NotebookRead", "input": {}}]),
                 Reply(text="", tool_uses=[{"name": "NotebookEdit", "input": {
                     "cell_id": target, "edit_mode": "insert", "cell_type": "code", "new_source": "print(data)"}}]),
                 Reply(text="Added it below the data cell."))
    before = path.stat().st_mtime_ns
    open_notebook(page, lab, path.name)
    run_cell(page, 0)
    cell = run_cell(page, 2, done=None)
    allow = cell.locator('details.vibe-step[data-vibe-tool="NotebookEdit"] [aria-label="Allow once"]')
    allow.wait_for(timeout=30_000)
    allow.click()
    wait_done(page.locator(".jp-Notebook"))  # the cell moved down one: find the answer in the notebook
    sources = page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor").all_inner_texts()
    assert [s.strip() for s in sources[:3]] == ["%load_ext vibing2_lab", "data = [1, 2, 3]", "print(data)"]
    read = tool_results(fake.requests[1])[0]
    assert "live notebook" in text_of(read) and f"id {target}" in text_of(read)
    assert "running this agent" in text_of(read)
    edit = tool_results(fake.requests[2])[-1]
    assert not edit.get("is_error") and "Inserted a code cell" in text_of(edit)
    assert path.stat().st_mtime_ns == before  # the kernel never wrote the .ipynb


def test_notebook_edit_replaces_and_deletes_cells_and_never_touches_the_running_one(
        page: Any, lab: Any, browser_fake_model: Any) -> None:
    fake = browser_fake_model
    fake.reset()
    name = agent(lab, "NotebookEdit", "browser-editor")
    path = write_notebook(lab.root, "agent-replace.ipynb", [
        "%load_ext vibing2_lab", "old = 1", "doomed = 2",
        f"%%vibe -a {name} --no-store --allow NotebookEdit\nTidy the notebook."])
    ids = [cell.id for cell in nbformat.read(path, as_version=4).cells]
    edits = [{"cell_id": ids[1], "edit_mode": "replace", "new_source": "# Notes", "cell_type": "markdown"},
             {"cell_id": ids[2], "edit_mode": "delete", "new_source": ""},
             {"cell_id": ids[3], "edit_mode": "replace", "new_source": "print('hijacked')"},
             {"cell_id": "no-such-cell", "edit_mode": "delete", "new_source": ""}]
    fake.enqueue(Reply(text="", tool_uses=[{"name": "NotebookEdit", "input": edit} for edit in edits]),
                 Reply(text="Tidied."))
    open_notebook(page, lab, path.name)
    run_cell(page, 0)
    run_cell(page, 3, done=None)
    wait_done(page.locator(".jp-Notebook"))
    replaced, deleted, running, missing = tool_results(fake.requests[1])
    assert not replaced.get("is_error") and not deleted.get("is_error"), (replaced, deleted)
    assert running["is_error"] and "running this agent" in text_of(running)
    assert missing["is_error"] and "No cell with id" in text_of(missing)
    cells = page.locator(".jp-Notebook .jp-Cell")
    assert cells.count() == 3
    assert "jp-MarkdownCell" in (cells.nth(1).get_attribute("class") or "")
    assert "Tidy the notebook." in cells.nth(2).inner_text()  # the running cell is unchanged
    wait_finished(cells.nth(2))
    saved_records(page, path)
    saved = nbformat.read(path, as_version=4)
    assert [(c.cell_type, c.source) for c in saved.cells][:2] == [("code", "%load_ext vibing2_lab"),
                                                                  ("markdown", "# Notes")]
    assert saved.cells[1].id == ids[1]  # the cell keeps its id when its type changes
    assert ids[2] not in [c.id for c in saved.cells]


def test_stop_while_a_question_is_open_cancels_and_clears_the_box(page: Any, lab: Any,
                                                                   browser_fake_model: Any) -> None:
    fake = browser_fake_model
    fake.reset()
    name = agent(lab, "Bash", "browser-asker")
    fake.enqueue(Reply(text="About to ask.", tool_uses=[{"name": "Bash", "input": {"command": "ls"}}]),
                 Reply(text="This must never be asked for."))
    path = write_notebook(lab.root, "agent-stop-asking.ipynb", [
        "%load_ext vibing2_lab", f"%%vibe -a {name} -p browser-stop-asking\nList files."])
    open_notebook(page, lab, path.name)
    run_cell(page, 0)
    cell = run_cell(page, 1, done=None)
    cell.locator('[aria-label="Allow once"]').wait_for(timeout=30_000)
    cell.locator('[aria-label="Stop"]').click()
    answer = wait_done(cell, "cancelled", timeout=20_000)
    assert "About to ask." in answer.inner_text()
    wait_finished(cell)
    assert cell.locator(".jp-Stdin-input").count() == 0 and cell.locator('[aria-label="Allow once"]').count() == 0
    assert len(fake.requests) == 1


def test_stop_during_a_long_python_tool_interrupts_it_and_keeps_the_partial_answer(
        page: Any, lab: Any, browser_fake_model: Any) -> None:
    fake = browser_fake_model
    fake.reset()
    name = agent(lab, "Python", "browser-long")
    marker = lab.root / "long-job-started.txt"
    marker.unlink(missing_ok=True)
    code = ("import time\nopen('long-job-started.txt', 'w').close()\n"
            "for i in range(600):\n    ticks = i\n    time.sleep(0.1)\nprint('finished')")
    fake.enqueue(Reply(text="Starting the long job.", tool_uses=[{"name": "Python", "input": {"code": code}}]),
                 Reply(text="This must never be asked for."))
    path = write_notebook(lab.root, "agent-stop.ipynb", [
        "%load_ext vibing2_lab", f"%%vibe -a {name} -p browser-stop --allow Python\nRun the long job.", "ticks"])
    open_notebook(page, lab, path.name)
    run_cell(page, 0)
    cell = run_cell(page, 1, done=None)
    running = cell.locator('details.vibe-step[data-vibe-step-status="running"]')
    running.wait_for(timeout=30_000)
    deadline = time.monotonic() + 30
    while not marker.exists():  # the kernel's cwd is the notebook's folder: the tool has started
        assert time.monotonic() < deadline, "the Python tool never started"
        time.sleep(0.1)
    time.sleep(0.5)  # well into its loop
    started = time.monotonic()
    cell.locator('[aria-label="Stop"]').click()
    answer = wait_done(cell, "cancelled", timeout=20_000)
    assert time.monotonic() - started < 10
    assert "Starting the long job." in answer.locator(".vibe-body").inner_text()
    step = answer.locator("details.vibe-step")
    assert step.get_attribute("data-vibe-step-status") == "error"
    assert len(fake.requests) == 1  # the interrupted tool's result was not sent on
    wait_finished(cell)
    records = saved_records(page, path)
    response = records[0]["calls"][0]["response"]
    assert response["status"] == "cancelled" and response["text"] == "Starting the long job."
    (result,) = response["steps"][0]["results"]
    assert "Interrupted" in result["content"]
    # the KeyboardInterrupt reached the tool's own loop: it stopped early, in the user's namespace
    out = run_cell(page, 2)
    ticks = int(out.locator(".jp-OutputArea-output").inner_text().strip())
    assert 0 < ticks < 599


# ------------------------------------------------------------------------ the panel alone, in a bare page
def test_panel_places_steps_in_the_text_collapsed_and_shows_hostile_tool_text_as_text(browser: Any) -> None:
    from tests.browser.test_vibe_cell import AUDIT, answer, host

    hostile = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'
    steps = [{"id": "0:t1", "name": "Python", "input": {"code": hostile}, "status": "ok", "content": hostile,
              "duration": 0.5, "consent": {"verdict": "once", "by": "user"}, "at": len("First part.")}]
    page = browser.new_page()
    try:
        host(page, answers=[answer("First part.\n\nSecond part.", steps=steps)])
        audit = page.evaluate(AUDIT)
        assert not {"img", "script"} & set(audit["tags"]) and audit["handlers"] == []
        assert page.evaluate("window.__pwned") is None
        body = page.locator(".vibe-body")
        order = body.evaluate("(el) => [...el.children].map((c) => c.className)")
        assert order == ["vibe-segment", "vibe-step", "vibe-segment"]
        step = page.locator("details.vibe-step")
        assert step.get_attribute("open") is None  # collapsed by default
        assert "Python" in step.locator("summary").inner_text() and "0.5 s" in step.locator("summary").inner_text()
        step.locator("summary").click()
        assert hostile in step.locator(".vibe-step-details").inner_text()  # shown as text
        # a question arrives as a step message: the step opens with the buttons; no stdin box in a
        # bare page, so an answer says where to type instead of pretending it was sent
        page.evaluate("""() => window.__vibeFrame({type: "step", answer: 0, step: {id: "1:t2", name: "Bash",
            input: {command: "ls"}, status: "pending", ask: {token: "abcd1234", description: "ls -la"}}})""")
        asked = page.locator('details.vibe-step[data-vibe-tool="Bash"]')
        asked.locator('[aria-label="Allow once"]').wait_for()
        assert asked.get_attribute("open") is not None and "ls -la" in asked.inner_text()
    finally:
        page.close()
