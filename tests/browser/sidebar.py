"""Driving the Vibe sidebar in the browser tests: open it, wait for the server extension,
start a project, send a prompt. One way to do each, shared by every test that uses the panel."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import open_lab
from tests.browser.lab import Lab


def open_sidebar(page: Any) -> Any:
    """Show the Vibe panel (click its tab only if the panel is hidden) and return it."""
    panel = page.locator("#vibing2-lab-sidebar")
    if not panel.is_visible():
        page.locator('.jp-SideBar [data-id="vibing2-lab-sidebar"]').click()
    panel.wait_for(state="visible")
    return panel


def ready_sidebar(page: Any) -> Any:
    """The Vibe panel, shown, once it has heard from the server extension."""
    panel = open_sidebar(page)
    panel.locator('[data-vibe-server="ok"]').wait_for()
    return panel


def create_project(page: Any, panel: Any, name: str) -> None:
    """A new project from the panel's "New project" dialog, selected when this returns."""
    panel.get_by_role("button", name="New project", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input").fill(name)
    dialog.locator(".jp-mod-accept").click()
    select = panel.get_by_label("Project", exact=True)
    page.wait_for_function("([sel, name]) => sel.selectedOptions[0]?.textContent === name",
                           arg=[select.element_handle(), name])


def open_project(page: Any, lab: Lab, name: str) -> Any:
    """A fresh JupyterLab page with the sidebar open on a new project `name`; the panel."""
    open_lab(page, lab)
    panel = ready_sidebar(page)
    create_project(page, panel, name)
    return panel


def send(panel: Any, prompt: str, *, shortcut: bool = False) -> None:
    """Type `prompt` in the panel's prompt box and send it (the Send button, or Ctrl+Enter)."""
    box = panel.get_by_label("Prompt", exact=True)
    box.fill(prompt)
    if shortcut:
        box.press("Control+Enter")
    else:
        panel.get_by_role("button", name="Send", exact=True).click()
