"""Both HTTP paths (sync httpx, async aiohttp) honour HTTP(S)_PROXY and NO_PROXY the same way.

The fake model server stands in for the proxy: a forward proxy receives the absolute URL
in the request line, and the fake routes by the path's end, so it answers it."""

from __future__ import annotations

import pytest

from tests.core.conftest import ask
from tests.core.test_stream import RUNNERS, check_contract
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.config import Settings
from vibing2_lab.events import CompleteEvent, ErrorEvent

NOWHERE = "http://model.invalid:9"  # .invalid never resolves: only a proxy can reach it


@pytest.mark.parametrize("mode", RUNNERS)
def test_the_proxy_from_the_environment_carries_the_request(fake_model: FakeModelServer, settings: Settings,
                                                            monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, fake_model.url)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    settings.providers["anthropic"].base_url = NOWHERE
    fake_model.enqueue(Reply(text="via the proxy"))
    final = check_contract(RUNNERS[mode](settings, "anthropic", ask()))
    assert isinstance(final, CompleteEvent) and final.text == "via the proxy"
    assert fake_model.requests[0].path == f"{NOWHERE}/v1/messages"  # the absolute form a proxy gets


@pytest.mark.parametrize("mode", RUNNERS)
def test_no_proxy_bypasses_it(fake_model: FakeModelServer, settings: Settings, monkeypatch: pytest.MonkeyPatch,
                              mode: str) -> None:
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, fake_model.url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "model.invalid")
    settings.providers["anthropic"].base_url = NOWHERE
    settings.retries.max = 0
    final = check_contract(RUNNERS[mode](settings, "anthropic", ask()))
    assert isinstance(final, ErrorEvent) and final.kind == "connect"
    assert fake_model.requests == []
