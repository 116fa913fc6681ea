"""Both HTTP paths (sync httpx, async aiohttp) honour HTTP(S)_PROXY and NO_PROXY the same way.

The fake model server stands in for the proxy: a forward proxy receives the absolute URL
in the request line, and the fake routes by the path's end, so it answers it."""

from __future__ import annotations

import os

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


ENVIRONMENTS = [
    {},
    {"HTTPS_PROXY": "http://upper:1"},
    {"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:1"},
    {"https_proxy": "", "HTTPS_PROXY": "http://upper:1"},  # an empty lower-case name turns it off
    {"ALL_PROXY": "http://all:1"},
    {"all_proxy": "http://all:1", "https_proxy": "http://lower:1"},
    {"HTTPS_PROXY": "http://upper:1", "NO_PROXY": "api.example.com"},
    {"HTTPS_PROXY": "http://upper:1", "no_proxy": ".example.com"},
    {"HTTPS_PROXY": "http://upper:1", "NO_PROXY": "*"},
    {"HTTPS_PROXY": "http://upper:1", "no_proxy": "other.org", "NO_PROXY": "api.example.com"},
    {"HTTP_PROXY": "http://upper:1"},
    {"HTTP_PROXY": "http://upper:1", "REQUEST_METHOD": "GET"},  # CGI: HTTP_PROXY is a request header
    {"http_proxy": "http://lower:1", "REQUEST_METHOD": "GET"},
]


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("url", ["https://api.example.com/v1/messages", "http://api.example.com/v1/messages",
                                 "https://other.org/x"])
def test_the_async_path_reads_the_proxy_variables_as_urllib_does(env: dict[str, str], url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """_aionet reads the few names it needs instead of decoding the whole environment per
    request; urllib's reading of the same environment is the oracle."""
    import urllib.request
    from urllib.parse import urlsplit

    from vibing2_lab.providers._proxy import proxy_for as _proxy_for

    for name in [n for n in os.environ if n.lower().endswith("_proxy") or n == "REQUEST_METHOD"]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    proxies = urllib.request.getproxies_environment()
    parts = urlsplit(url)
    expected = proxies.get(parts.scheme) or proxies.get("all")
    if expected and urllib.request.proxy_bypass_environment(parts.hostname or "", proxies):
        expected = None
    assert _proxy_for(url) == (expected or None)
