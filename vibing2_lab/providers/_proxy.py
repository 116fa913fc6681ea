"""Which proxy the environment names, read by name (walking and decoding the whole environment,
as urllib's getproxies_environment() does, cost ~80 µs per request in a server's environment).

`proxy_environment()` is the sync path's: the variables that make part of a shared httpx client's
identity (httpx itself applies them). `proxy_for(url)` is the async path's: aiohttp is given the
proxy per request, chosen by urllib's rules, as httpx reads them.
"""

from __future__ import annotations

import os

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
_PROXY_NAMES = tuple(name for lower in PROXY_VARIABLES for name in (lower, lower.upper()))


def proxy_environment() -> tuple[tuple[str, str], ...]:
    """The environment variables that choose a proxy (part of a shared client's identity), read
    by name: walking the whole environment decoded every variable, per request."""
    environ = os.environ
    return tuple((name, environ[name]) for name in _PROXY_NAMES if name in environ)


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, NO_PROXY),
    as the sync path's httpx reads them. Read per request (the environment may change), by name:
    urllib's getproxies_environment() decodes every variable of the environment (~80 µs each time)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    proxy = _env(parts.scheme) or _env("all")
    if not proxy:
        return None
    no_proxy = _env("no")
    if no_proxy:
        import urllib.request

        if urllib.request.proxy_bypass_environment(parts.hostname or "", {"no": no_proxy}):
            return None
    return proxy


def _env(scheme: str) -> str | None:
    """`<scheme>_proxy` as urllib reads it: the lower-case name wins when it is set (an empty one
    turns the proxy off); a CGI request's HTTP_PROXY is a client's header, never a proxy."""
    name = f"{scheme}_proxy"
    value = os.environ.get(name)
    if value is None and not (scheme == "http" and "REQUEST_METHOD" in os.environ):
        value = os.environ.get(name.upper())
    return value or None
