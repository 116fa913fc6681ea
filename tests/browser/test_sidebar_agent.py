"""Agent mode in the Vibe sidebar (Chromium, real JupyterLab, the fake model server scripted to
call tools): Variables and Python run on the open notebook's kernel (the answer carries the
value the kernel computed from `df`), NotebookEdit asks consent, Allow inserts a cell in the
open notebook, Deny leaves it unchanged and the model is told. Screenshots of a tool step
expanded go to /work/wt/screenshots/ (outside the repo) when that folder can be made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import open_lab
from tests.browser.test_agent_tools import open_notebook
from tests.browser.sidebar import create_project, open_sidebar, ready_sidebar, send
from tests.browser.test_vibe_cell import run_cell, write_notebook
from tests.fakes.model_server import RecordedRequest, Reply, tool_results
from tests.magics.test_tools_kernel import agent as tools_agent

SHOTS = Path("/work/wt/screenshots")


def screenshot(target: Any, name: str) -> None:
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    target.screenshot(path=str(SHOTS / name))


def pick_agent(panel: Any, name: str) -> None:
    panel.locator(".jp-VibeAgents summary").click()
    panel.get_by_label("Search agents", exact=True).fill(name)
    agents = panel.get_by_role("group", name="Agents", exact=True)
    agents.get_by_label(name, exact=True).check()
    panel.locator(".jp-VibeAgents summary").click()


def answer_from_results(request: RecordedRequest) -> Reply:
    """The model's last turn: what the kernel computed, as the tool result told it."""
    told = tool_results(request)[-1]["content"]
    return Reply(text=f"The kernel says: {told.split('result:')[-1].strip()}.")


def cells(page: Any) -> list[str]:
    return page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor").all_inner_texts()


def test_sidebar_agent_uses_the_open_notebook_kernel_and_asks_before_editing(
        page: Any, lab: Any, browser_fake_model: Any) -> None:
    fake = browser_fake_model
    fake.reset()
    name = tools_agent(lab.home, "Variables, Python, NotebookRead, NotebookEdit", "sidebar-nb")
    path = write_notebook(lab.root, "sidebar-agent.ipynb",
                          ["import pandas as pd\ndf = pd.DataFrame({'x': [1, 2, 3, 4], 'y': list('abcd')})"])
    open_notebook(page, lab, path.name)
    run_cell(page, 0)
    panel = ready_sidebar(page)
    create_project(page, panel, "sidebar-agent")
    pick_agent(panel, name)

    # 1. Variables (allowed) and Python (asks) on the notebook's kernel
    fake.enqueue(Reply(text="Let me look at df.", tool_uses=[{"name": "Variables", "input": {"name": "df"}}]),
                 Reply(tool_uses=[{"name": "Python", "input": {"code": "int(df['x'].sum()) * 10"}}]))
    fake.respond = answer_from_results
    send(panel, "What is ten times the sum of df.x?")
    python = panel.locator('details.jp-VibeStep[data-vibe-tool="Python"]')
    python.locator(".jp-VibeConsent").wait_for()
    expect(panel.locator('.jp-VibeAnswer[data-vibe-status="waiting"]')).to_have_count(1)
    assert "int(df['x'].sum()) * 10" in python.locator(".jp-VibeConsent-what").inner_text()
    screenshot(panel, "sidebar-agent-consent.png")
    python.get_by_role("button", name="Allow once", exact=True).click()
    answer = panel.locator('.jp-VibeAnswer[data-vibe-status="complete"]').last
    expect(answer).to_contain_text("The kernel says: 100.")
    variables = answer.locator('details.jp-VibeStep[data-vibe-tool="Variables"]')
    assert variables.get_attribute("data-vibe-step") == "ok" and variables.get_attribute("open") is None
    variables.locator("summary").click()
    expect(variables.locator(".jp-VibeStep-result")).to_contain_text("x: int64")
    assert "s" in variables.locator(".jp-VibeStep-facts").inner_text()  # the duration
    python.locator("summary").click()
    expect(python.locator(".jp-VibeStep-result")).to_contain_text("100")
    screenshot(panel, "sidebar-agent-step-expanded.png")
    screenshot(page, "sidebar-agent-lab.png")
    assert [r["is_error"] for r in tool_results(fake.requests[2])] == [False, False]  # Variables, Python

    # 2. NotebookEdit asks; Allow inserts the cell in the open notebook (its live model)
    fake.respond = None
    before = cells(page)
    fake.enqueue(Reply(tool_uses=[{"name": "NotebookEdit", "input": {
                     "edit_mode": "insert", "cell_id": "0", "new_source": "df.describe()"}}]),
                 Reply(text="I added a cell."))
    send(panel, "Add a cell that describes df")
    edit = panel.locator('details.jp-VibeStep[data-vibe-tool="NotebookEdit"]').last
    edit.locator(".jp-VibeConsent").wait_for()
    assert "df.describe()" in edit.locator(".jp-VibeConsent-what").inner_text()
    assert cells(page) == before  # nothing happens before Allow
    edit.get_by_role("button", name="Allow once", exact=True).click()
    expect(panel.locator('.jp-VibeAnswer[data-vibe-status="complete"]').last).to_contain_text("I added a cell.")
    expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(len(before) + 1)
    assert cells(page)[1] == "df.describe()"
    assert panel.locator('details.jp-VibeStep[data-vibe-tool="NotebookEdit"]').last.get_attribute("data-vibe-step") == "ok"
    assert "Inserted a code cell" in tool_results(fake.requests[-1])[0]["content"]
    assert "df.describe()" not in path.read_text()  # the file on disk is untouched: the live model changed

    # 3. Deny: the notebook stays as it is and the model is told, with the reason
    after_allow = cells(page)
    fake.enqueue(Reply(tool_uses=[{"name": "NotebookEdit", "input": {"edit_mode": "delete", "cell_id": "0", "new_source": ""}}]),
                 Reply(text="Understood, I left it."))
    send(panel, "Delete the first cell")
    edit = panel.locator('details.jp-VibeStep[data-vibe-tool="NotebookEdit"]').last
    edit.locator(".jp-VibeConsent").wait_for()
    edit.locator(".jp-VibeConsent-reason").fill("keep my data cell")
    edit.get_by_role("button", name="Deny", exact=True).click()
    expect(panel.locator('.jp-VibeAnswer[data-vibe-status="complete"]').last).to_contain_text("I left it.")
    assert edit.get_attribute("data-vibe-step") == "denied"
    assert cells(page) == after_allow
    denied = tool_results(fake.requests[-1])[-1]
    assert denied["is_error"] and "keep my data cell" in denied["content"]

    # 4. reopened (a reload): every answer shows its tool steps again, ended, as they ended
    open_lab(page, lab)
    panel = open_sidebar(page)
    panel.locator('.jp-VibeAnswer[data-vibe-status="complete"]').last.wait_for()
    restored = panel.locator("details.jp-VibeStep")
    expect(restored).to_have_count(4)
    assert [(s.get_attribute("data-vibe-tool"), s.get_attribute("data-vibe-step")) for s in restored.all()] == [
        ("Variables", "ok"), ("Python", "ok"), ("NotebookEdit", "ok"), ("NotebookEdit", "denied")]
    python = panel.locator('details.jp-VibeStep[data-vibe-tool="Python"]')
    assert python.get_attribute("open") is None and " s" in python.locator(".jp-VibeStep-facts").inner_text()
    python.locator("summary").click()
    expect(python.locator(".jp-VibeStep-input")).to_contain_text("int(df['x'].sum()) * 10")
    expect(python.locator(".jp-VibeStep-result")).to_contain_text("100")
    expect(panel.locator(".jp-VibeConsent")).to_have_count(0)  # nothing asks again
