"""Browser tests: Python Playwright driving Debian's Chromium against a real `jupyter lab`.

Without /usr/bin/chromium these tests are skipped loudly, unless
VIBING2_LAB_REQUIRE_BROWSER=1 (CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.browser.lab import Lab
from tests.fakes.model_server import FakeModelServer

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


# pytest-jupyter's autouse loop fixtures break Playwright's sync API: neutralise them here.
@pytest.fixture
def jp_asyncio_loop() -> Iterator[None]:
    yield None


@pytest.fixture
def jp_server_cleanup() -> Iterator[None]:
    yield None


def chromium_path() -> str | None:
    path = os.environ.get("VIBING2_LAB_CHROMIUM") or "/usr/bin/chromium"
    return path if Path(path).exists() else shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if not path:
        reason = ("BROWSER TESTS NOT RUN: /usr/bin/chromium is missing. "
                  "Install it with `apt-get install -y chromium` (never `playwright install`).")
        if os.environ.get("VIBING2_LAB_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " VIBING2_LAB_REQUIRE_BROWSER=1 makes this a failure.")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_fake_model() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory, browser_fake_model: FakeModelServer, browser: Any) -> Iterator[Lab]:
    """One `jupyter lab` for the session, its model endpoints pointed at the fake server."""
    from tests.conftest import REPO

    env = dict(os.environ)
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "VIBING2_LAB_MODE", "VIBING2_LAB_AGENTS_PATH",
                 "VIBING2_LAB_DATABASE_URL", "JUPYTERHUB_USER"):
        env.pop(name, None)
    base = tmp_path_factory.mktemp("lab")
    env.update({
        "ANTHROPIC_BASE_URL": browser_fake_model.url,
        "OPENAI_BASE_URL": browser_fake_model.openai_url,
        "ANTHROPIC_API_KEY": "sk-ant-fake-browser-key",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        "PYTHON_KEYRING_BACKEND": "tests.fakes.keyring_backend.FileKeyring",
        "VIBING2_LAB_TEST_KEYRING": str(base / "keyring.json"),
    })
    server = Lab(base, env).start()
    yield server
    server.stop()


@pytest.fixture
def page(browser: Any, lab: Lab) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def open_lab(page: Any, lab: Lab, path: str = "lab?reset") -> None:
    """Open JupyterLab with a fresh layout and wait until the shell is up."""
    page.goto(lab.lab_url(path))
    page.wait_for_selector("#jp-main-dock-panel", state="attached", timeout=60_000)

