"""Log lines that quote outside text (an upstream error message) show its control characters
inertly: the log of a Jupyter server or a kernel is read on a terminal."""

from __future__ import annotations

import logging
import re

import pytest

from tests.core.conftest import ask
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.config import Settings
from vibing2_lab.events import CompleteEvent
from vibing2_lab.providers import get_provider

ACTED_ON = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_the_retry_log_line_shows_an_upstream_message_s_controls_inertly(
        fake_model: FakeModelServer, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="vibing2_lab")
    fake_model.enqueue(Reply(fault="http", status=529, error_message="busy \x1b]0;pwned\x07 \u009b2J"),
                       Reply(text="made it"))
    events = list(get_provider("anthropic", settings=settings).stream(ask()))
    assert isinstance(events[-1], CompleteEvent) and events[-1].text == "made it"
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("vibing2_lab")]
    assert any("busy \\u001b]0;pwned\\u0007 \\u009b2J" in line for line in lines), lines
    assert not [line for line in lines if ACTED_ON.search(line)]


def _formatted(records: list[logging.LogRecord]) -> list[str]:
    """Each record as a handler would write it, traceback included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(r) for r in records if r.name.startswith("vibing2_lab")]


def test_an_agent_file_name_in_a_registry_warning_shows_its_controls_inertly(
        tmp_path, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    from vibing2_lab.agents.discovery import discover_folder
    from vibing2_lab.agents.registry import build

    caplog.set_level(logging.WARNING, logger="vibing2_lab")
    (tmp_path / "x\x1b]0;pwned\x07\u202eexe.md").write_bytes(b"\xff\xfe not UTF-8")  # a name a clone can carry
    registry = build(discover_folder(tmp_path, source="env"), [])
    assert len(registry) == 0 and registry.warnings
    lines = _formatted(caplog.records)
    assert any("x\\u001b]0;pwned\\u0007\\u202eexe.md" in line for line in lines), lines
    assert not [line for line in lines if ACTED_ON.search(line) or "\u202e" in line]


def test_a_logged_traceback_shows_its_controls_inertly(caplog: pytest.LogCaptureFixture) -> None:
    from vibing2_lab.log_text import logger

    caplog.set_level(logging.ERROR, logger="vibing2_lab")
    try:
        raise RuntimeError("upstream said \x1b[2J\u009b")
    except RuntimeError as exc:
        logger("vibing2_lab.test").error("failed: %s", "\x1b]8;;https://x\x07", exc_info=exc)
    (line,) = _formatted(caplog.records)
    assert "failed: \\u001b]8;;https://x\\u0007" in line and "upstream said \\u001b[2J\\u009b" in line
    assert "Traceback (most recent call last)" in line and not ACTED_ON.search(line)


def test_every_logger_of_the_package_comes_from_log_text() -> None:
    # A filter belongs to one logger, so a module that takes its own from logging directly logs raw.
    from pathlib import Path

    import vibing2_lab

    root = Path(vibing2_lab.__file__).parent
    allowed = {"log_text.py", "log_redaction.py", "cli/agents.py"}  # the rule; third-party loggers; a NullHandler
    direct = [str(p.relative_to(root)) for p in root.rglob("*.py")
              if "logging.getLogger(" in p.read_text(encoding="utf-8") and str(p.relative_to(root)) not in allowed]
    assert direct == []
