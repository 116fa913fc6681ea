"""The sidebar's budget gauge in a real JupyterLab: spend against the daily budget, updated after an answer."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import open_lab
from tests.browser.sidebar import open_sidebar, send
from tests.fakes.model_server import FakeModelServer, Reply


def test_the_gauge_shows_todays_spend_and_grows_after_an_answer(page, lab, browser_fake_model: FakeModelServer) -> None:
    config = lab.home / "config.yaml"
    before = config.read_text() if config.exists() else None
    config.write_text((before or "") + "\nbudgets: {daily_usd: 5}\n")
    try:
        browser_fake_model.reset()
        browser_fake_model.enqueue(Reply(text="priced answer", input_tokens=1000, output_tokens=1000))
        open_lab(page, lab)
        panel = open_sidebar(page)
        gauge = panel.get_by_label("Budget", exact=True)
        expect(gauge).to_contain_text("today: $")
        expect(gauge).to_contain_text("of $5")
        spent_before = float(gauge.inner_text().split("$")[1].split()[0])
        send(panel, "what does this cost?")
        panel.locator('[data-vibe-status="complete"]').last.wait_for()
        expect(gauge).to_contain_text(f"today: ${spent_before + 0.018:.4f} of $5")
        assert gauge.locator("meter").first.get_attribute("max") == "5"
    finally:
        if before is None:
            config.unlink()
        else:
            config.write_text(before)
