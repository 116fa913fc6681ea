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
