"""The sync HTTP side (httpx), and stopping a blocked read from any thread (both sides).

Stopping works by shutting the exchange's socket down: a read blocked in `recv()` (sync)
or parked in the event loop (async) returns at once with end-of-stream, on every OS, and
no thread has to be interrupted. The socket is found through `SocketGuard`:

- once the response headers are in, from `response.extensions["network_stream"]`;
- before that (connecting, sending, waiting for the headers) through the network
  backend (a thin wrapper around httpcore's): each stream reports itself to the guard that
  is current in this context (a ContextVar set only around `client.send()`), so a pooled,
  reused connection is found as well as a new one.

The async path (aiohttp, _aionet.py) attaches the guard to the connection's transport once the
headers are in, and cancels the request's task before that.

This module imports httpx and httpcore; import it only inside functions.
"""

from __future__ import annotations

import contextvars
import ssl
import threading
from typing import Any

import httpcore
import httpx

from .. import __version__
from ..config import Timeouts
from ..log_redaction import guard_logs
from ._guard import SocketGuard
from ._proxy import proxy_environment

# httpx logs every request URL and httpcore (at DEBUG) every raw response header: an upstream
# echoing the key into a header would put it in the server log without this.
guard_logs("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy")

CURRENT_GUARD: contextvars.ContextVar[SocketGuard | None] = contextvars.ContextVar(
    "vibing2_lab_socket_guard", default=None)
__all__ = ["CURRENT_GUARD", "SocketGuard", "close_clients", "report_stream", "sync_client"]
USER_AGENT = f"vibing2-lab/{__version__}"


def report_stream(stream: Any) -> None:
    """Tell the guard current in this context (if any) which stream its exchange uses."""
    guard = CURRENT_GUARD.get()
    if guard is not None:
        guard.attach(stream)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        report_stream(self)
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        report_stream(self)
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _track(transport: Any, backend: Any) -> Any:
    # httpx exposes no public hook for httpcore's network backend; without this the
    # socket is still found once the headers arrive, only the wait for them is not
    # interruptible. tests/core/test_cancel.py checks that it stays in place.
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = backend
    return transport


def _timeout(t: Timeouts) -> httpx.Timeout:
    # read = the idle timeout: httpx applies it to every single read, i.e. between bytes.
    return httpx.Timeout(connect=t.connect, read=t.idle, write=t.connect, pool=t.connect)


_LOCK = threading.Lock()
_SYNC: dict[tuple[Any, ...], httpx.Client] = {}

def sync_client(timeouts: Timeouts) -> httpx.Client:
    """The process's shared client for these timeouts and proxy variables (a connection pool
    reused across calls). httpx builds its transports, proxies from the environment included
    (a transport passed in would turn those off); each gets the tracking network backend."""
    key = (timeouts.connect, timeouts.idle, proxy_environment())
    with _LOCK:
        client = _SYNC.get(key)
        if client is None:
            client = _SYNC[key] = httpx.Client(timeout=_timeout(timeouts), headers={"user-agent": USER_AGENT})
            backend = _Backend(httpcore.SyncBackend())
            for transport in (client._transport, *client._mounts.values()):  # type: ignore[attr-defined]
                if transport is not None:
                    _track(transport, backend)
        return client


def close_clients() -> None:
    """Close the shared sync clients (async sessions go with their loop, see _aionet.py)."""
    with _LOCK:
        clients = list(_SYNC.values())
        _SYNC.clear()
    for client in clients:
        client.close()
