"""The sidebar tells the user when a configured API key pasted into the prompt was redacted
(the server's `start` event carries the Session's notices)."""

from __future__ import annotations

import json

from tests.browser.sidebar import open_project, send
from tests.fakes.model_server import FakeModelServer, Reply

KEY = "sk-ant-fake-browser-key"  # the lab's configured key (tests/browser/conftest.py)


def test_a_pasted_key_is_redacted_and_the_sidebar_says_so(page, lab, browser_fake_model: FakeModelServer) -> None:
    browser_fake_model.reset()
    panel = open_project(page, lab, "key-notice")
    browser_fake_model.enqueue(Reply(text="Understood."))
    send(panel, f"why is {KEY} refused?")
    panel.locator('[data-vibe-status="complete"]').wait_for()
    notes = panel.locator(".jp-VibeAnswer-note").all_inner_texts()
    assert any("The prompt held a configured API key (1x): it was replaced by [redacted]" in n for n in notes), notes
    assert KEY not in json.dumps(browser_fake_model.requests[-1].body)
