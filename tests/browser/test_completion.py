"""Inline completion in a real JupyterLab (Chromium) against the fake model server: ghost text
with the model's words, Tab accepts it, typing on cancels the request upstream; without a key,
no ghost text and no dialog, one status line in the sidebar."""

from __future__ import annotations

import json
import time
import urllib.request
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from tests.browser.conftest import open_lab
from tests.browser.sidebar import open_sidebar
from tests.browser.test_vibe_cell import wait_for_idle_kernel, write_notebook
from tests.fakes.model_server import FakeModelServer, RecordedRequest, Reply

FIB = ["n", "):", "\n    return n if n < 2", " else fib(n - 1) + fib(n - 2)"]
SLOW = [f" word{i}" for i in range(60)]  # 0.2 s a token: still streaming when the user types on


@contextmanager
def lab_config(lab: Any, text: str) -> Iterator[None]:
    """config.yaml of the session's jupyter lab for one test (read by every request)."""
    path = lab.home / "config.yaml"
    path.write_text("providers:\n  anthropic: {rate_limit_rpm: 0}\n" + text, encoding="utf-8")
    try:
        yield
    finally:
        path.unlink()


def cell_being_edited(request: RecordedRequest) -> str:
    content = request.body["messages"][-1]["content"]
    return content.rsplit("\n\n", 1)[-1]


def completions(respond: Callable[[str], Reply]) -> Callable[[RecordedRequest], Reply]:
    return lambda request: respond(cell_being_edited(request))


def eventually(check: Callable[[], Any], timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def wait_for_ghost(page: Any, fake: FakeModelServer, expected: Callable[[str], bool], timeout: float = 20) -> str:
    """The ghost text once `expected(text)` holds; on timeout, an error saying what the model was asked."""
    ghost = page.locator(".jp-GhostText")
    seen = eventually(lambda: ghost.count() == 1 and expected(text := ghost.inner_text()) and text, timeout)
    asked = [cell_being_edited(r) for r in fake.requests]
    assert seen, f"no such ghost text; shown: {ghost.all_inner_texts()!r}, the model was asked for: {asked!r}"
    return seen


def server_counters(lab: Any) -> dict[str, int]:
    with urllib.request.urlopen(f"{lab.url}/vibing2-lab/api/complete?token={lab.token}", timeout=5) as r:
        return json.load(r)["counters"]


def open_notebook(page: Any, lab: Any, name: str) -> Any:
    write_notebook(lab.root, name, ["import math", ""])
    open_lab(page, lab, f"lab/tree/{name}?reset")
    page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
    wait_for_idle_kernel(page)
    editor = page.locator(".jp-Notebook .jp-CodeCell").nth(1).locator(".cm-content")
    editor.click()
    return editor


def test_ghost_text_tab_accepts_and_typing_on_cancels(page: Any, lab: Any,
                                                      browser_fake_model: FakeModelServer) -> None:
    fake = browser_fake_model
    fake.reset()
    fake.respond = completions(lambda cell: Reply(tokens=FIB, delay=0.05) if cell == "def fib(<CURSOR>"
                               else Reply(tokens=SLOW, delay=0.2) if cell == "total = <CURSOR>"
                               else Reply(text="um(values)") if cell == "total = s<CURSOR>"
                               else Reply(text=""))
    with lab_config(lab, "completion: {debounce_ms: 60}\n"):
        editor = open_notebook(page, lab, "complete-browser.ipynb")
        status = open_sidebar(page).locator('[data-vibe-completion="on"]')
        status.wait_for()
        assert status.inner_text() == "Inline completion: on (anthropic:claude-haiku-4-5)"
        editor.click()

        # typing shows the model's words as ghost text; Tab accepts them into the cell
        page.keyboard.type("def fib(", delay=40)
        shown = wait_for_ghost(page, fake, lambda text: "fib(n - 2)" in text)
        assert shown == "n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)"
        request = fake.requests[-1]
        assert "import math" in request.body["messages"][-1]["content"]  # the cell before is context
        page.keyboard.press("Tab")
        page.wait_for_function("el => el.innerText.includes('fib(n - 2)')", arg=editor.element_handle())
        assert editor.inner_text() == "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)"
        assert page.locator(".jp-GhostText").count() == 0

        # typing on while a completion streams abandons it: the model server sees the client leave
        gone_before, cancelled_before = fake.client_gone, server_counters(lab)["cancelled"]
        page.keyboard.press("Control+a")
        page.keyboard.press("Delete")
        page.keyboard.type("total = ", delay=40)
        wait_for_ghost(page, fake, lambda text: "word1" in text)
        page.keyboard.type("s")
        assert eventually(lambda: fake.client_gone > gone_before), "the fake model never saw the client leave"
        assert eventually(lambda: server_counters(lab)["cancelled"] > cancelled_before)
        assert wait_for_ghost(page, fake, lambda text: text == "um(values)")
        assert page.locator(".jp-Dialog").count() == 0


def test_without_a_key_no_ghost_text_no_dialog_one_status_line(page: Any, lab: Any,
                                                               browser_fake_model: FakeModelServer) -> None:
    fake = browser_fake_model
    fake.reset()
    fake.default = Reply(text="n):\n    return n")
    config = (f"  keyless: {{base_url: '{fake.url}', wire: anthropic}}\n"
              "completion: {model: 'keyless:claude-haiku-4-5', debounce_ms: 30}\n")
    with lab_config(lab, config):
        editor = open_notebook(page, lab, "complete-nokey.ipynb")
        line = open_sidebar(page).locator("[data-vibe-completion]")
        eventually(lambda: line.get_attribute("data-vibe-completion") == "off")
        assert line.count() == 1 and line.get_attribute("data-vibe-completion") == "off"
        assert "No API key for keyless." in line.inner_text() and "KEYLESS_API_KEY" in line.inner_text()
        editor.click()
        page.keyboard.type("def fib(", delay=40)
        page.wait_for_timeout(1500)  # time a completion would have taken to show
        assert page.locator(".jp-GhostText").count() == 0
        assert page.locator(".jp-Dialog").count() == 0
        assert fake.requests == []


def test_ghost_text_in_the_file_editor(page: Any, lab: Any, browser_fake_model: FakeModelServer) -> None:
    fake = browser_fake_model
    fake.reset()
    fake.respond = completions(lambda cell: Reply(text="(a, b):\n    return a + b") if cell == "def add<CURSOR>"
                               else Reply(text=""))
    (lab.root / "script.py").write_text("", encoding="utf-8")
    with lab_config(lab, "completion: {debounce_ms: 60}\n"):
        open_lab(page, lab, "lab/tree/script.py?reset")
        editor = page.locator(".jp-FileEditor .cm-content")
        editor.click()
        page.keyboard.type("def add", delay=40)
        assert wait_for_ghost(page, fake, lambda text: "a + b" in text) == "(a, b):\n    return a + b"
        assert "Language: python" in fake.requests[-1].body["messages"][-1]["content"]
        page.keyboard.press("Tab")
        page.wait_for_function("el => el.innerText.includes('a + b')", arg=editor.element_handle())
        assert editor.inner_text() == "def add(a, b):\n    return a + b"


def test_alt_backslash_asks_by_hand_without_the_debounce(page: Any, lab: Any,
                                                         browser_fake_model: FakeModelServer) -> None:
    fake = browser_fake_model
    fake.reset()
    fake.respond = completions(lambda cell: Reply(text=" np.arange(10)") if cell == "xs =<CURSOR>"
                               else Reply(text=""))
    with lab_config(lab, "completion: {debounce_ms: 20000}\n"):  # typing alone asks nothing for 20 s
        open_notebook(page, lab, "complete-invoke.ipynb")
        page.keyboard.type("xs =", delay=40)
        page.wait_for_timeout(800)
        assert fake.requests == [] and page.locator(".jp-GhostText").count() == 0
        page.keyboard.press("Alt+Backslash")
        assert wait_for_ghost(page, fake, lambda text: text == " np.arange(10)", timeout=10)
        assert len(fake.requests) == 1


def test_ghost_text_in_the_console(page: Any, lab: Any, browser_fake_model: FakeModelServer) -> None:
    fake = browser_fake_model
    fake.reset()
    fake.respond = completions(lambda cell: Reply(text="rt pandas as pd") if cell == "impo<CURSOR>"
                               else Reply(text=""))
    with lab_config(lab, "completion: {debounce_ms: 60}\n"):
        open_lab(page, lab)
        page.locator('.jp-LauncherCard[data-category="Console"]').first.click()
        prompt = page.locator(".jp-CodeConsole-promptCell .cm-content")
        prompt.wait_for()
        wait_for_idle_kernel(page)
        prompt.click()
        page.keyboard.type("impo", delay=40)
        assert wait_for_ghost(page, fake, lambda text: text == "rt pandas as pd")
        page.keyboard.press("Tab")
        page.wait_for_function("el => el.innerText.includes('pandas')", arg=prompt.element_handle())
        assert prompt.inner_text() == "import pandas as pd"
