"""Agents with tools in a folder on VIBING2_LAB_AGENTS_PATH, and helpers for scripted tool calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.model_server import FakeModelServer

WIRES = {"anthropic": "anthropic:fake-model", "openai": "openai:fake-model"}


def write_agent(folder: Path, name: str, tools: str | None, body: str = "You analyse data.") -> None:
    listed = f"tools: {tools}\n" if tools is not None else ""
    (folder / f"{name}.md").write_text(f"---\nname: {name}\ndescription: {name} for tests\n{listed}---\n{body}\n")


@pytest.fixture
def agents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """analyst (Python, Read, Write), reader (Read), talker (no tools) and odd (unknown names)."""
    folder = tmp_path / "agents"
    folder.mkdir()
    write_agent(folder, "analyst", "[Python, Read, Write]")
    write_agent(folder, "reader", "Read, Glob")
    write_agent(folder, "talker", None)
    write_agent(folder, "odd", "Read, WebFetch, TodoWrite")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(folder))
    return folder


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The working directory tools act in, with a data file."""
    root = tmp_path / "work"
    root.mkdir()
    (root / "data.csv").write_text("city,sales\nLyon,3\nOslo,5\n")
    return root


@pytest.fixture(params=list(WIRES))
def wire(request: pytest.FixtureRequest, fake_model: FakeModelServer) -> str:
    """Each test runs once per wire format; the value is the model to ask."""
    return WIRES[request.param]
