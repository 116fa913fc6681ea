"""`%%vibe --bg` in a real JupyterLab (Chromium): the panel streams while other cells run, the saved
notebook holds the record in the background cell, and Stop cancels the job (no kernel interrupt)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import open_lab
from tests.browser.test_vibe_cell import run_cell, saved_records, wait_for_idle_kernel, write_notebook
from tests.fakes.model_server import Reply


def test_bg_panel_streams_while_cells_run_saves_the_record_and_stop_cancels(
        page: Any, lab: Any, browser_fake_model: Any) -> None:
    short = [f"s{i} " for i in range(40)]
    long = [f"word{i} " for i in range(600)]
    browser_fake_model.reset()
    browser_fake_model.enqueue(Reply(text="".join(short), tokens=short, delay=0.05),
                               Reply(text="".join(long), tokens=long, delay=0.05))
    path = write_notebook(lab.root, "vibe-bg.ipynb", [
        "%load_ext vibing2_lab", "%%vibe --bg -p bg-browser\nshort answer", "import time; time.sleep(1); 6 * 7",
        "%vibe wait", "%%vibe --bg -p bg-browser\nlong answer", "import time; time.sleep(3); 'other'"])
    open_lab(page, lab, "lab/tree/vibe-bg.ipynb?reset")
    page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
    wait_for_idle_kernel(page)
    run_cell(page, 0)

    bg = run_cell(page, 1)  # returns at once: the prompt shows its number while the answer streams
    bg.locator('section.vibe-answer[data-vibe-status="streaming"]').wait_for(timeout=30_000)
    other = run_cell(page, 2)
    assert "42" in other.locator(".jp-OutputArea").inner_text()
    run_cell(page, 3)
    bg.locator('section.vibe-answer[data-vibe-status="complete"]').wait_for(timeout=30_000)
    assert bg.locator(".vibe-body").inner_text().strip() == "".join(short).strip()

    # Stop while another cell keeps the kernel busy: the job ends when that cell is done, the cell is not interrupted
    stopped = run_cell(page, 4)
    body = stopped.locator(".vibe-body")
    page.wait_for_function("(el) => el.innerText.length > 20", arg=body.element_handle(), timeout=15_000)
    busy = run_cell(page, 5, done=None)
    stopped.locator('[aria-label="Stop"]').click()
    stopped.locator('section.vibe-answer[data-vibe-status="cancelled"]').wait_for(timeout=30_000)
    page.wait_for_function("(el) => el.innerText.includes('other')",
                           arg=busy.locator(".jp-OutputArea").element_handle(), timeout=20_000)
    assert "KeyboardInterrupt" not in busy.locator(".jp-OutputArea").inner_text()

    first, second = saved_records(page, path)
    assert first["calls"][0]["response"]["status"] == "complete"
    assert first["calls"][0]["response"]["text"] == "".join(short)
    assert second["calls"][0]["response"]["status"] == "cancelled"
    assert 0 < len(second["calls"][0]["response"]["text"]) < len("".join(long))
