"""The Vibe sidebar in a real JupyterLab, driven by Chromium."""

from __future__ import annotations

import re

import vibing2_lab

from tests.browser.conftest import open_lab, open_sidebar


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
