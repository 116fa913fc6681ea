"""Helpers for the server tests: JSON calls that return 4xx answers instead of raising, an SSE
reader over the real decoder, a raw streaming client, and settings without rate limits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

import pytest
from tornado.httpclient import HTTPClientError

from vibing2_lab.server.handlers import API_PREFIX
from vibing2_lab.providers.sse import SSEDecoder

PREFIX = API_PREFIX.strip("/")


@pytest.fixture(autouse=True)
def fast_config(vibe_home: Path) -> Path:
    """config.yaml without a rate limit (the limiter is process-wide) and with quick retries."""
    path = vibe_home / "config.yaml"
    path.write_text("providers:\n  anthropic: {rate_limit_rpm: 0}\n  openai: {rate_limit_rpm: 0}\n"
                    "retries: {max: 1, base_delay: 0.01, max_delay: 0.05}\n", encoding="utf-8")
    return path


@dataclass
class Answer:
    status: int
    body: bytes
    headers: Any

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def error(self) -> dict[str, str]:
        return self.json["error"]


Api = Callable[..., Awaitable[Answer]]


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    """`await api("POST", "projects", {"name": "x"})` -> Answer (4xx/5xx answered, not raised)."""

    async def call(method: str, path: str, body: Any = None, *, raw: bytes | None = None,
                   params: dict[str, str] | None = None, **kwargs: Any) -> Answer:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is None and method in ("POST", "PUT", "PATCH"):
            data = b"{}"
        try:
            response = await jp_fetch(PREFIX, *path.split("/"), method=method, body=data, params=params,
                                      allow_nonstandard_methods=True, **kwargs)
        except HTTPClientError as exc:
            assert exc.response is not None, exc
            return Answer(exc.code, exc.response.body, exc.response.headers)
        return Answer(response.code, response.body, response.headers)

    return call


def sse(body: bytes) -> list[tuple[str, dict[str, Any]]]:
    """The (event type, data) pairs of a whole SSE body, decoded by the package's own decoder."""
    decoder = SSEDecoder()
    events = decoder.feed(body)
    assert not decoder.pending, "the stream ended inside an event"
    return [(e.event, json.loads(e.data)) for e in events]


def tokens_of(events: list[tuple[str, dict[str, Any]]], agent: str | None = None) -> list[str]:
    return [d["text"] for t, d in events if t == "token" and (agent is None or d["agent"] == agent)]


@pytest.fixture
def stream_url(jp_base_url: str, jp_http_port: int, http_server_client: Any) -> str:
    """The stream route's URL on the running test server (for a raw streaming client)."""
    return f"http://localhost:{jp_http_port}{jp_base_url}{PREFIX}/stream"


@pytest.fixture
def auth_headers(jp_auth_header: dict[str, str]) -> dict[str, str]:
    return dict(jp_auth_header)


def server_side_streams(port: int) -> list[Any]:
    """The open server-side connections (tornado IOStreams) on `port`: the Jupyter server of
    these tests runs in this process, so a test can look at the sockets it writes to."""
    import gc

    from tornado.iostream import IOStream

    return [s for s in gc.get_objects() if isinstance(s, IOStream) and s.socket is not None
            and not s.closed() and s.socket.getsockname()[1] == port]
