"""`%%vibe` in a real JupyterLab (Chromium): live streaming, Stop, the sandboxed preview; and the
panel's Markdown renderer fed hostile answers in a bare page."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from tests.browser.conftest import open_lab
from tests.fakes.model_server import Reply
from vibing2_lab.notebook.record import METADATA_KEY
from vibing2_lab.widget import panel_module

PANEL_JS = panel_module()

# Runs the panel module in the page with a minimal host object standing in for anywidget's model.
HOST = """
async ([src, state]) => {
  const url = URL.createObjectURL(new Blob([src], {type: "text/javascript"}));
  const panel = (await import(url)).default;
  const listeners = {};
  const model = {get: (k) => state[k], on: (e, f) => (listeners[e] ||= []).push(f), send: () => {}};
  panel.initialize({model});
  const el = document.createElement("div");
  document.body.replaceChildren(el);
  panel.render({model, el});
  window.__vibeFrame = (frame) => (listeners["msg:custom"] || []).forEach((f) => f(frame));
  window.__vibeSet = (key, value) => { state[key] = value; (listeners["change:" + key] || []).forEach((f) => f()); };
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return true;
}
"""

AUDIT = """
() => {
  const all = [...document.body.querySelectorAll("*")];
  return {
    tags: [...new Set(all.map((n) => n.tagName.toLowerCase()))],
    handlers: all.flatMap((n) => [...n.attributes].filter((a) => a.name.startsWith("on")).map((a) => a.name)),
    hrefs: [...document.querySelectorAll("a")].map((a) => a.getAttribute("href")),
    text: document.body.innerText,
  };
}
"""

HOSTILE = """# Title <b onmouseover=alert(1)>x</b>

<script>window.__pwned = 1</script>
<img src=x onerror="window.__pwned = 2">
<iframe srcdoc="<script>parent.__pwned=3</script>"></iframe>

- [click](javascript:window.__pwned=4) and [ok](https://example.org)
- ![pixel](https://tracker.example/p.png) **bold <i>no</i>** `<code>`

| a | <svg onload=alert(1)> |
|---|---|
| 1 | 2 |

```html
<script>window.__pwned = 5</script>
```
"""


def answer(text: str, status: str = "complete", **extra: Any) -> dict[str, Any]:
    return {"agent": "fullstack-developer", "model": "anthropic:claude-sonnet-4-5", "status": status, "text": text,
            "facts": [], "problem": None, "preview": None, **extra}


def host(page: Any, **state: Any) -> None:
    full = {"answers": [], "format": "markdown", "mode": "single", "status": "complete", "kernel_id": "", **state}
    page.goto("about:blank")
    assert page.evaluate(HOST, [PANEL_JS, full])


def test_panel_renders_hostile_markdown_as_text_only(browser: Any) -> None:
    page = browser.new_page()
    try:
        host(page, answers=[answer(HOSTILE)])
        audit = page.evaluate(AUDIT)
        assert not {"script", "img", "iframe", "svg", "b", "i"} & set(audit["tags"]), audit["tags"]
        assert audit["handlers"] == []
        # the image became a link: nothing loads by itself
        assert audit["hrefs"] == ["https://example.org", "https://tracker.example/p.png"]
        assert page.evaluate("window.__pwned") is None
        assert "<script>window.__pwned = 1</script>" in audit["text"]  # shown, as text
        assert "[image: pixel]" in audit["text"]
        assert page.locator("h1").inner_text().startswith("Title <b")
        assert page.locator("table td").count() == 2 and page.locator("strong").count() == 1
        block = page.locator(".vibe-code")
        assert block.get_attribute("data-language") == "html"
        assert block.locator('[aria-label="Copy"]').count() == 1
        assert block.locator('[aria-label="Insert cell"]').count() == 1
    finally:
        page.close()


def test_panel_streams_frames_and_inserts_cells_through_a_dom_event(browser: Any) -> None:
    page = browser.new_page()
    try:
        host(page, answers=[answer("", "streaming"), answer("", "streaming", agent="sql-expert")], mode="fanout",
             status="streaming")
        page.evaluate("""() => { window.__vibeFrame({type: "frame", deltas: [[0, "Hello "], [1, "SELECT"]],
                                                       status: [], tokens: [[0, 1], [1, 1]]}); }""")
        page.evaluate("""() => window.__vibeFrame({type: "frame", status: [[0, "complete"]], tokens: [[0, 2]],
                                                   deltas: [[0, "**world**\\n\\n```python\\nx = 1\\n```"]]})""")
        first = page.locator("section.vibe-answer").nth(0)
        first.locator("strong").wait_for()
        assert first.get_attribute("data-vibe-status") == "complete"
        assert page.locator("section.vibe-answer").nth(1).get_attribute("data-vibe-status") == "streaming"
        assert page.locator('[aria-label="Stop"]').is_visible()
        # someone (the labextension) takes the insert-cell event: no clipboard fallback
        page.evaluate("""() => document.addEventListener("vibing2-lab:insert-cell", (e) => {
            window.__inserted = e.detail; e.preventDefault(); }, {once: true})""")
        first.locator('[aria-label="Insert cell"]').click()
        assert page.evaluate("window.__inserted") == {"code": "x = 1", "language": "python"}
        assert first.locator('[aria-label="Insert cell"]').get_attribute("title") == "Inserted as a new cell below"
        # nobody listens: the button falls back to the clipboard and says so
        first.locator('[aria-label="Insert cell"]').click()
        title = first.locator('[aria-label="Insert cell"]').get_attribute("title")
        assert "clipboard" in title.lower()
    finally:
        page.close()


# ------------------------------------------------------------------------------------------- JupyterLab
PROBE_PAGE = """```html
<!doctype html>
<html><head><title>probe</title></head><body><h1>Probe</h1>
<script>
(async () => {
  const found = {kind: "vibe-probe"};
  try { found.parentDocument = "read " + parent.document.title; }
  catch (e) { found.parentDocument = "blocked: " + e.name; }
  try { found.cookie = "read " + document.cookie; } catch (e) { found.cookie = "blocked: " + e.name; }
  try { const r = await fetch("/api/contents"); found.fetch = "status " + r.status; }
  catch (e) { found.fetch = "blocked: " + e.name; }
  try { const r = await fetch(parent.location.origin + "/api/contents"); found.fetchAbsolute = "status " + r.status; }
  catch (e) { found.fetchAbsolute = "blocked: " + e.name; }
  found.origin = String(self.origin);
  parent.postMessage(found, "*");
})();
</script></body></html>
```
"""


def write_notebook(root: Path, name: str, sources: list[str]) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    path = root / name
    nbformat.write(nb, path)
    return path


def wait_for_idle_kernel(page: Any, timeout: float = 60) -> None:
    """Until the status bar says Idle with nothing connecting or starting (see TOOLCHAIN)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = page.locator(".jp-StatusBar-Widget").all_inner_texts()
        joined = " ".join(text)
        if "Idle" in joined and not re.search(r"Connecting|Initializing|Starting|Unknown", joined):
            return
        time.sleep(0.25)
    raise AssertionError(f"kernel never became idle: {joined!r}")


def run_cell(page: Any, index: int, *, done: str | None = r"\[\d+\]") -> Any:
    """Select code cell `index`, run it with Ctrl+Enter (retrying a dropped keypress)."""
    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(5):
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+Enter")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if re.search(r"\[[\d*]+\]", prompt.inner_text()):
                break
            time.sleep(0.1)
        else:
            continue
        break
    if done:
        deadline = time.monotonic() + 60
        while not re.fullmatch(r"\[\d+\]:?", prompt.inner_text().strip()):
            assert time.monotonic() < deadline, prompt.inner_text()
            time.sleep(0.1)
    return cell


def saved_records(page: Any, path: Path) -> list[dict[str, Any]]:
    """Save the notebook (Ctrl+S) and read the records of its outputs from disk."""
    before = path.stat().st_mtime_ns
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 20
    while path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.1)
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [dict(o["metadata"][METADATA_KEY], cell=cell["id"]) for cell in nb["cells"]
            for o in cell.get("outputs", []) if METADATA_KEY in o.get("metadata", {})]


def test_vibe_cell_streams_stops_and_previews_in_jupyterlab(page: Any, lab: Any, browser_fake_model: Any) -> None:
    words = [f"word{i} " for i in range(600)]
    browser_fake_model.reset()
    browser_fake_model.enqueue(Reply(text="".join(words), tokens=words, delay=0.05), Reply(text=PROBE_PAGE))
    path = write_notebook(lab.root, "vibe-browser.ipynb", [
        "%load_ext vibing2_lab", "%%vibe -p browser-test\nWrite a long essay.",
        "%%vibe -p browser-test --format html\nMake a page."])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=lab.url)
    page.add_init_script("""window.__probes = [];
        window.addEventListener("message", (e) => {
            if (e.data && e.data.kind === "vibe-probe") window.__probes.push(e.data); });""")
    open_lab(page, lab, "lab/tree/vibe-browser.ipynb?reset")
    page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
    wait_for_idle_kernel(page)
    run_cell(page, 0)

    # live streaming: the text grows while the answer says "streaming"
    cell = run_cell(page, 1, done=None)
    streaming = cell.locator('section.vibe-answer[data-vibe-status="streaming"]')
    streaming.wait_for(timeout=30_000)
    body = cell.locator(".vibe-body")
    page.wait_for_function("(el) => el.innerText.length > 20", arg=body.element_handle(), timeout=15_000)
    first = len(body.inner_text())
    page.wait_for_function("([el, n]) => el.innerText.length > n", arg=[body.element_handle(), first],
                           timeout=15_000)  # it grows while streaming
    assert streaming.count() == 1 and len(body.inner_text()) > first

    # Stop interrupts the kernel: the answer ends "cancelled" with the partial text
    cell.locator('[aria-label="Stop"]').click()
    cancelled = cell.locator('section.vibe-answer[data-vibe-status="cancelled"]')
    cancelled.wait_for(timeout=20_000)
    partial = cancelled.locator(".vibe-body").inner_text().strip()
    assert partial and "".join(words).startswith(partial) and len(partial) < len("".join(words)) / 2
    page.wait_for_function("(el) => el.innerText.includes('CancelledError')",
                           arg=cell.locator(".jp-OutputArea").element_handle(), timeout=20_000)

    # the generated page runs in a sandbox: no parent document, no cookie, no Jupyter API
    cell = run_cell(page, 2)
    frame = cell.locator(".vibe-preview iframe")
    frame.wait_for(timeout=20_000)
    assert frame.get_attribute("sandbox") == "allow-scripts"
    assert "Content-Security-Policy" in (frame.get_attribute("srcdoc") or "")
    assert cell.locator('[aria-label="Preview"]').get_attribute("aria-selected") == "true"
    page.wait_for_function("window.__probes.length > 0", timeout=15_000)
    for probe in page.evaluate("window.__probes"):  # one per rendering of the preview
        assert probe["parentDocument"].startswith("blocked"), probe
        assert probe["cookie"].startswith("blocked"), probe
        assert probe["fetch"].startswith("blocked") and probe["fetchAbsolute"].startswith("blocked"), probe
        assert probe["origin"] == "null"

    # the saved notebook carries the records, with JupyterLab's cell ids
    records = saved_records(page, path)
    stopped, previewed = records
    assert stopped["calls"][0]["response"]["status"] == "cancelled"
    assert stopped["calls"][0]["response"]["text"].strip() == partial
    assert stopped["cell_id"] == stopped["cell"] and previewed["cell_id"] == previewed["cell"]
    assert previewed["format"] == "html" and previewed["calls"][0]["response"]["status"] == "complete"
