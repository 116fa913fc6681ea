"""The record's tool steps are outside data once saved: validated before replay or import."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.errors import ExportError
from vibing2_lab.notebook.record import validate
from vibing2_lab.session import Ask, Session
from vibing2_lab.tools import ToolContext


@pytest.fixture
def record(fake_model: FakeModelServer, agents: Path, work: Path) -> dict:
    fake_model.enqueue(Reply(text="Reading.", tool_uses=[{"id": "r1", "name": "Read", "input": {"file_path": "data.csv"}}]),
                       Reply(text="Done."))
    session = Session(Ask("go", agent="analyst", model="anthropic:fake-model"), tool_context=ToolContext(work))
    list(session.stream())
    return session.record()


def test_a_tool_using_record_is_valid(record: dict) -> None:
    assert validate(record, where="cell 1") is record
    assert record["calls"][0]["request"]["tools"] == ["Python", "Read", "Write"]


@pytest.mark.parametrize("path, value", [
    (("steps",), {"not": "a list"}),
    (("steps", 0, "text"), 7),
    (("steps", 0, "results", 0, "status"), "maybe"),
    (("steps", 0, "results", 0, "content"), None),
    (("steps", 0, "results", 0, "duration"), 10 ** 40),
    (("steps", 0, "tool_uses", 0, "input"), "file_path"),
    (("steps", 0, "usage", "input_tokens"), -1),
    (("steps", 0, "results", 0, "consent", "verdict"), "sure"),
])
def test_tampered_steps_are_refused_naming_the_field(record: dict, path: tuple, value: object) -> None:
    bad = copy.deepcopy(record)
    target = bad["calls"][0]["response"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ExportError, match=r"cell 1: invalid vibing2_lab record: calls\[0\]\.response\.steps"):
        validate(bad, where="cell 1")


def test_tampered_tool_names_are_refused(record: dict) -> None:
    bad = copy.deepcopy(record)
    bad["calls"][0]["request"]["tools"] = "Read"
    with pytest.raises(ExportError, match=r"request\.tools"):
        validate(bad, where="cell 1")
