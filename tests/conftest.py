"""Shared fixtures: an isolated data dir, a test keyring, the fake model server, a Jupyter server.

Every test runs with its own `VIBING2_LAB_HOME`, no provider keys or base URLs from the
developer's environment, and a keyring that is never the real OS keychain.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.fakes.model_server import FakeModelServer

REPO = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytest_jupyter.jupyter_server"]

# Planted in tests that must prove a key never leaks; looks like a key, is not one.
PLANTED_KEY = "sk-ant-planted-0123456789abcdefghijklmnopqrstuv"

_SCRUBBED = (
    "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL",
    "VIBING2_LAB_AGENTS_PATH", "VIBING2_LAB_MODE", "VIBING2_LAB_IDLE_TIMEOUT", "VIBING2_LAB_DATABASE_URL",
    "VIBING2_LAB_PROGRESS_TIMEOUT",
)


@pytest.fixture(autouse=True)
def vibe_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh `VIBING2_LAB_HOME`; provider settings from the real environment are removed."""
    home = tmp_path_factory.mktemp("vibe-home")
    monkeypatch.setenv("VIBING2_LAB_HOME", str(home))
    for name in _SCRUBBED:
        monkeypatch.delenv(name, raising=False)
    # Subprocesses (kernels, CLI, jupyter lab) share a file keyring and can import tests.*
    monkeypatch.setenv("VIBING2_LAB_TEST_KEYRING", str(home / "test-keyring.json"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.fakes.keyring_backend.FileKeyring")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[object]:
    """An in-memory keyring for this process (the OS keychain is never touched)."""
    import keyring

    from tests.fakes.keyring_backend import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def _fake_model_session() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def fake_model(_fake_model_session: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> FakeModelServer:
    """The fake model server, reset, with ANTHROPIC_BASE_URL/OPENAI_BASE_URL pointing at it
    and obviously fake keys set."""
    server = _fake_model_session
    server.reset()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_BASE_URL", server.openai_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-test-key")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-test-key")
    return server


@pytest.fixture
def jp_server_config() -> dict:
    """pytest-jupyter: enable the vibing2-lab server extension."""
    return {"ServerApp": {"jpserver_extensions": {"vibing2_lab": True}}}


@pytest.fixture
def cli_env(vibe_home: Path) -> dict[str, str]:
    """Environment for running `python -m vibing2_lab.cli` in a subprocess."""
    return dict(os.environ)


def run_cli(*args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 60):
    """Run the CLI in a real subprocess; returns CompletedProcess with text output."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "vibing2_lab.cli", *args],
        capture_output=True, text=True, env=env or dict(os.environ), input=input, timeout=timeout,
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the
    main thread for the session, which pytest-jupyter's loop fixtures cannot share."""
    items.sort(key=lambda item: "/tests/browser/" in str(item.fspath).replace(os.sep, "/"))


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[object]:
    """A real PostgreSQL cluster for the session (tests/postgres.py); skipped loudly if missing."""
    from tests.postgres import start_or_skip

    server = start_or_skip()
    yield server
    server.stop()


@pytest.fixture
def postgresql_url(postgresql_server: object, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database of the session's server, set as VIBING2_LAB_DATABASE_URL (subprocesses too)."""
    url = postgresql_server.new_database()
    monkeypatch.setenv("VIBING2_LAB_DATABASE_URL", url)
    return url
