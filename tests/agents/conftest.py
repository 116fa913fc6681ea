"""Helpers for the agent tests: fixture folders and a writer for throwaway agent files."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]


def agent_text(name: str, description: str = "An agent.", body: str = "Body.", **fields: str) -> str:
    """A minimal agent file."""
    extra = "".join(f"{k}: {v}\n" for k, v in fields.items())
    return f"---\nname: {name}\ndescription: {description}\n{extra}---\n{body}\n"


@pytest.fixture
def write_agent() -> Callable[..., Path]:
    """write_agent(folder, filename, name, ...) -> the file written."""

    def write(folder: Path, filename: str, name: str, **kwargs: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / filename
        path.write_text(agent_text(name, **kwargs), encoding="utf-8")
        return path

    return write
