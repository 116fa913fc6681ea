"""Fixtures for the streaming core: settings that point at the fake server, with fast retries."""

from __future__ import annotations

import pytest

from tests.fakes.model_server import FakeModelServer
from vibing2_lab.config import Settings, load_settings
from vibing2_lab.providers import ModelRequest


@pytest.fixture
def settings(fake_model: FakeModelServer) -> Settings:
    """Settings from the environment (base URLs at the fake server), retries fast, no rate limit."""
    s = load_settings()
    s.retries.base_delay = 0.01
    s.retries.max_delay = 0.05
    s.timeouts.idle = 10.0
    for conf in s.providers.values():
        conf.rate_limit_rpm = 0
    return s


def ask(text: str = "hi", *, model: str = "fake-model", **kwargs: object) -> ModelRequest:
    """A one-message request."""
    return ModelRequest(model=model, messages=[{"role": "user", "content": text}], **kwargs)  # type: ignore[arg-type]
