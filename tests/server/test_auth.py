"""Every route of the extension refuses a request without credentials (walks the route table)."""

from __future__ import annotations

import re

import pytest
from tornado.httpclient import HTTPClientError

from vibing2_lab.server.handlers import API_PREFIX, ROUTES

VERBS = ("get", "post", "put", "patch", "delete")


def _concrete(pattern: str) -> str:
    """Fill each regex group of a route pattern with a plausible value."""
    return re.sub(r"\(\?P<\w+>[^)]*\)|\([^)]*\)", "x", pattern)


def _cases() -> list[tuple[str, str]]:
    cases = []
    for pattern, handler in ROUTES:
        for verb in VERBS:
            if verb in vars(handler) or any(verb in vars(base) for base in handler.__mro__[1:-1]
                                            if base.__module__.startswith("vibing2_lab")):
                cases.append((verb.upper(), _concrete(pattern)))
    return cases


def test_route_table_is_not_empty() -> None:
    assert ("GET", "health") in _cases()


@pytest.mark.parametrize(("method", "path"), _cases())
async def test_every_route_refuses_anonymous_requests(jp_fetch, method: str, path: str) -> None:
    body = b"{}" if method in ("POST", "PUT", "PATCH") else None
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(API_PREFIX.strip("/"), path, method=method, body=body,
                       headers={"Authorization": ""}, allow_nonstandard_methods=True)
    assert info.value.code == 403, f"{method} {path} answered {info.value.code} without a token"


@pytest.mark.parametrize(("method", "path"), [c for c in _cases() if c[0] != "GET"])
async def test_state_changing_routes_require_xsrf_with_cookie_auth(jp_fetch, method: str, path: str) -> None:
    """A cookie-authenticated request without the XSRF token is refused (403)."""
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(API_PREFIX.strip("/"), path, method=method, body=b"{}",
                       headers={"Authorization": "", "Cookie": "username-127-0-0-1=forged"},
                       allow_nonstandard_methods=True)
    assert info.value.code == 403
