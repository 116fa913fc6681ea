"""The Vibe sidebar in a real JupyterLab, driven by Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import vibing2_lab
from playwright.sync_api import expect

from tests.browser.conftest import open_lab
from tests.browser.sidebar import create_project, open_project, open_sidebar, ready_sidebar, send
from tests.fakes.model_server import FakeModelServer, Reply

SLOW_TEXT = " ".join(f"word{i}" for i in range(80))  # 4 s at 0.05 s per token: time to press Stop
PAGE = ("<!doctype html>\n<html><head><style>h1 { color: teal }</style></head>\n"
        "<body><h1>Counter</h1><div id=\"out\">not run</div>\n"
        "<script>document.getElementById('out').textContent = 'script ran';</script></body></html>")
PAGE_ANSWER = f"Here is the page:\n\n```html title=index.html\n{PAGE}\n```\n\nOpen the preview."


def test_sidebar_shows_the_server_extension_version(page, lab) -> None:
    open_lab(page, lab)
    tab = page.locator('.jp-SideBar [data-id="vibing2-lab-sidebar"]')
    tab.wait_for()
    assert "Vibe" in (tab.get_attribute("title") or "") + tab.inner_text()
    panel = open_sidebar(page)
    status = panel.locator('[data-vibe-server="ok"]')
    status.wait_for()
    assert status.inner_text() == f"vibing2-lab server {vibing2_lab.__version__}"
    assert re.search(r"\d+\.\d+\.\d+", status.inner_text())


def test_chat_stop_complete_reload_and_preview(page, lab, browser_fake_model: FakeModelServer) -> None:
    browser_fake_model.reset()
    panel = open_project(page, lab, "browser-demo")

    # 1. a slow stream: the text grows, Stop ends it as cancelled
    browser_fake_model.enqueue(Reply(text=SLOW_TEXT, delay=0.05))
    send(panel, "Count slowly")
    streaming = panel.locator('[data-vibe-status="streaming"]')
    streaming.wait_for()
    page.wait_for_function("el => el.innerText.includes('word2')", arg=streaming.element_handle())
    first = len(streaming.inner_text())
    page.wait_for_function("([el, n]) => el.innerText.length > n", arg=[streaming.element_handle(), first],
                           timeout=15_000)  # the answer grows while streaming
    assert len(streaming.inner_text()) > first
    panel.get_by_role("button", name="Stop", exact=True).click()
    cancelled = panel.locator('[data-vibe-status="cancelled"]')
    cancelled.wait_for()
    assert "cancelled" in cancelled.inner_text()
    partial = cancelled.locator(".jp-RenderedMarkdown").inner_text().strip()
    assert partial.startswith("word0 word1") and len(partial) < len(SLOW_TEXT)
    assert panel.get_by_role("button", name="Send", exact=True).is_enabled()

    # 2. another prompt (sent with Ctrl+Enter) completes, with its metrics and code buttons
    browser_fake_model.enqueue(Reply(text=PAGE_ANSWER, delay=0.002))
    send(panel, "Build a counter page", shortcut=True)
    complete = panel.locator('[data-vibe-status="complete"]')
    complete.wait_for()
    assert "Open the preview." in complete.inner_text()
    assert "tokens" in complete.locator(".jp-VibeAnswer-metrics").inner_text()
    assert complete.get_by_role("button", name="Copy", exact=True).count() == 1
    assert complete.get_by_role("button", name="Insert cell", exact=True).count() == 1
    assert complete.locator("pre").inner_text().startswith("<!doctype html>")
    assert complete.locator("script").count() == 0, "model HTML must never be inserted raw"

    # 3. reload: the conversation comes back from the store
    open_lab(page, lab)
    panel = open_sidebar(page)
    panel.locator('[data-vibe-status="complete"]').wait_for()
    prompts = panel.locator(".jp-VibePrompt").all_inner_texts()
    assert prompts == ["Count slowly", "Build a counter page"]
    statuses = [a.get_attribute("data-vibe-status") for a in panel.locator(".jp-VibeAnswer").all()]
    assert statuses == ["cancelled", "complete"]
    restored = panel.locator('[data-vibe-status="cancelled"] .jp-RenderedMarkdown').inner_text().strip()
    assert restored == partial

    # 4. the generated index.html runs from the app route in a sandboxed iframe that cannot reach Jupyter
    panel.get_by_role("button", name="Preview", exact=True).first.click()
    frame = panel.locator("iframe.jp-VibePreview-frame")
    frame.wait_for()
    assert frame.get_attribute("sandbox") == "allow-scripts"
    assert "/vibing2-lab/api/projects/" in (frame.get_attribute("src") or "")
    inner = page.frame_locator("iframe.jp-VibePreview-frame")
    assert inner.locator("#out").inner_text() == "script ran"
    assert inner.locator("body").evaluate("() => { try { return window.parent.document.title } "
                                          "catch (e) { return 'blocked' } }") == "blocked"
    assert inner.locator("body").evaluate("() => String(window.origin)") == "null"

    # 5. "Open as notebook": exported by the server, saved through the contents API, opened
    panel.get_by_role("button", name="Open as notebook", exact=True).click()
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="browser-demo.ipynb").wait_for()
    assert (lab.root / "browser-demo.ipynb").exists()
    page.locator(".jp-NotebookPanel .jp-Cell", has_text="%%vibe").first.wait_for()
    page.locator(".jp-NotebookPanel .jp-Cell", has_text="Build a counter page").first.wait_for()


def test_insert_cell_from_a_widget_output_and_from_the_sidebar(page, lab,
                                                               browser_fake_model: FakeModelServer) -> None:
    """The %%vibe widget's DOM event inserts a code cell below the cell holding the output;
    the sidebar's Insert cell button inserts below the active cell of the current notebook."""
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": cid, "metadata": {}, "outputs": [],
                           "source": source} for cid, source in (("a", "first = 1"), ("b", "second = 2"))],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (lab.root / "insert.ipynb").write_text(json.dumps(notebook))
    open_lab(page, lab, "lab/tree/insert.ipynb?reset")
    cells = page.locator(".jp-NotebookPanel .jp-Cell")
    cells.nth(1).wait_for()
    handled = cells.nth(0).evaluate("""cell => {
        const out = document.createElement('div');
        cell.querySelector('.jp-OutputArea, .jp-Cell-outputWrapper').appendChild(out);
        const event = new CustomEvent('vibing2-lab:insert-cell', {bubbles: true, cancelable: true,
            detail: {code: 'inserted = 3', language: 'python'}});
        return !out.dispatchEvent(event);
    }""")
    assert handled, "the labextension did not call preventDefault()"
    page.wait_for_function("() => document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length === 3")
    sources = [c.locator(".cm-content").inner_text() for c in cells.all()]
    assert sources == ["first = 1", "inserted = 3", "second = 2"]

    # outside a notebook the event is left alone (the widget then copies instead)
    unhandled = page.evaluate("""() => {
        const e = new CustomEvent('vibing2-lab:insert-cell', {bubbles: true, cancelable: true,
                                                               detail: {code: 'x', language: 'python'}});
        return document.body.dispatchEvent(e);
    }""")
    assert unhandled is True

    browser_fake_model.reset()
    browser_fake_model.enqueue(Reply(text="Try:\n\n```python\nfrom_sidebar = 4\n```\n"))
    panel = open_sidebar(page)
    create_project(page, panel, "insert-demo")
    send(panel, "one line of code")
    answer = panel.locator('[data-vibe-status="complete"]').last
    answer.wait_for()
    answer.get_by_role("button", name="Insert cell", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length === 4")
    sources = [c.locator(".cm-content").inner_text() for c in cells.all()]
    assert sources == ["first = 1", "inserted = 3", "from_sidebar = 4", "second = 2"]


def test_agent_picker_fans_out_to_two_agents(page, lab, browser_fake_model: FakeModelServer) -> None:
    browser_fake_model.reset()
    browser_fake_model.default = Reply(text="Parallel answer.", delay=0.01)
    panel = open_project(page, lab, "fan-out-demo")
    panel.locator(".jp-VibeAgents summary").click()
    panel.get_by_label("Search agents", exact=True).fill("sql window function")
    agents = panel.get_by_role("group", name="Agents", exact=True)
    expect(agents.locator("li").first).to_contain_text("sql-expert")  # the ranked search result
    assert agents.locator("li").count() < 14
    agents.get_by_label("sql-expert", exact=True).check()
    assert not panel.get_by_label("Auto", exact=True).is_checked()
    panel.get_by_label("Search agents", exact=True).fill("chart plot")
    expect(agents.locator("li").first).to_contain_text("visualization-expert")
    agents.get_by_label("visualization-expert", exact=True).check()
    assert panel.get_by_label("Chain", exact=True).is_visible()
    assert panel.locator(".jp-VibeAgents summary").inner_text() == \
        "Agents: sql-expert, visualization-expert (in parallel)"
    send(panel, "Top customers by month, charted")
    answers = panel.locator('.jp-VibeAnswer[data-vibe-status="complete"]')
    page.wait_for_function("() => document.querySelectorAll("
                           "'#vibing2-lab-sidebar .jp-VibeAnswer[data-vibe-status=\"complete\"]').length >= 2")
    headers = [a.locator(".jp-VibeAnswer-header").inner_text() for a in answers.all()[-2:]]
    assert sorted(h.split("\n")[0].replace("complete", "").strip() for h in headers) == \
        ["sql-expert", "visualization-expert"]
    assert len(browser_fake_model.requests) == 2


def test_key_form_after_an_auth_failure_stores_the_key(page, lab, browser_fake_model: FakeModelServer) -> None:
    browser_fake_model.reset()
    browser_fake_model.enqueue(Reply(fault="http", status=401))
    panel = open_project(page, lab, "key-demo")
    form = panel.get_by_role("form", name="API key setup")
    assert form.is_hidden()  # the lab has ANTHROPIC_API_KEY set
    send(panel, "hello")
    failed = panel.locator('[data-vibe-status="error"]').last
    failed.wait_for()
    assert "401" in failed.inner_text() or "key" in failed.inner_text().lower()
    form.wait_for()
    assert "OPENAI_BASE_URL" in form.inner_text()
    form.get_by_label("API key", exact=True).fill("sk-ant-fake-browser-key-0123456789")
    form.get_by_role("button", name="Save key", exact=True).click()
    form.wait_for(state="hidden")
    stored = Path(lab.env["VIBING2_LAB_TEST_KEYRING"]).read_text()
    assert "sk-ant-fake-browser-key-0123456789" in stored
    assert "sk-ant-fake-browser-key" not in panel.inner_text()


def test_delete_a_file_from_the_sidebar(page, lab) -> None:
    """D13: each file has a Delete button; after confirming, the file is gone from the list and the store."""
    from vibing2_lab.store import Store

    store = Store.open(lab.home / "vibing2.db")
    project = store.create_project("files-to-delete")
    store.update_files(project.id, {"index.html": "<h1>hi</h1>", "notes.txt": "keep me"})
    open_lab(page, lab)
    panel = ready_sidebar(page)
    select = panel.get_by_label("Project", exact=True)
    select.select_option(label="files-to-delete")
    files = panel.get_by_label("Project files", exact=True)
    expect(files.locator("li")).to_have_count(2)
    files.locator("li", has_text="index.html").get_by_role("button", name="Delete file").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text('Delete "index.html"')
    dialog.get_by_role("button", name="Delete").click()
    expect(files.locator("li")).to_have_count(1)
    expect(files).to_contain_text("notes.txt")
    assert [f.path for f in store.get_project(project.id).files] == ["notes.txt"]


def test_the_project_picker_marks_shared_projects_and_hides_others_private_ones(page, lab) -> None:
    """Issue 20: another user's shared project is listed with its owner, their private one is not."""
    from vibing2_lab.store import Store

    alice = Store.open(lab.home / "vibing2.db", user="alice")
    alice.create_project("alice-private")
    alice.set_visibility(alice.create_project("alice-team").id, "shared")
    open_lab(page, lab)
    panel = ready_sidebar(page)
    select = panel.get_by_label("Project", exact=True)
    option = select.locator("option", has_text="alice-team")
    expect(option).to_have_text("alice-team \u00b7 shared by alice")
    expect(option).to_have_attribute("title", "Last changed by alice")
    expect(select.locator("option", has_text="alice-private")).to_have_count(0)
