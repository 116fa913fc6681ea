"""The HTTP side: shared httpx clients, and stopping a blocked read from any thread.

Stopping works by shutting the exchange's socket down: a read blocked in `recv()` (sync)
or parked in the event loop (async) returns at once with end-of-stream, on every OS, and
no thread has to be interrupted. The socket is found through `SocketGuard`:

- once the response headers are in, from `response.extensions["network_stream"]`;
- before that (connecting, sending, waiting for the headers) through the network
  backend (a thin wrapper around httpcore's for the sync client, _aio.py's asyncio-native
  one for the async client): each stream reports itself to the guard that is current in
  this context (a ContextVar set only around `client.send()`), so a pooled, reused
  connection is found as well as a new one.

This module imports httpx and httpcore; import it only inside functions.
"""

from __future__ import annotations

import asyncio
import contextvars
import socket
import ssl
import threading
import weakref
from typing import Any

import httpcore
import httpx

from .. import __version__
from ..config import Timeouts
from ..keys import guard_logs
from ._aio import AioBackend

# httpx logs every request URL and httpcore (at DEBUG) every raw response header: an upstream
# echoing the key into a header would put it in the server log without this.
guard_logs("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy")

CURRENT_GUARD: contextvars.ContextVar[SocketGuard | None] = contextvars.ContextVar(
    "vibing2_lab_socket_guard", default=None)
USER_AGENT = f"vibing2-lab/{__version__}"


class SocketGuard:
    """Shuts down the socket of one HTTP exchange when `stop()` is called, from any thread."""

    __slots__ = ("_lock", "_stream", "_stopped")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stream: Any = None
        self._stopped = False

    def attach(self, stream: Any) -> None:
        """Remember the exchange's network stream (shut it at once if already stopped)."""
        if stream is None or stream is self._stream:
            return
        with self._lock:
            self._stream = stream
            stopped = self._stopped
        if stopped:
            _shutdown(stream)

    def stop(self) -> None:
        """End the exchange: its pending and future reads return end-of-stream."""
        with self._lock:
            self._stopped = True
            stream = self._stream
        if stream is not None:
            _shutdown(stream)


def _shutdown(stream: Any) -> None:
    try:
        sock = stream.get_extra_info("socket")
        if sock is None:
            return
        if isinstance(sock, ssl.SSLSocket):
            # The plain-socket shutdown: SSLSocket.shutdown() would also drop its SSL
            # object under the feet of the thread that is reading.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        else:
            sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError, AttributeError):
        pass  # already closed: nothing left to stop


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
_SYNC: dict[tuple[float, float], httpx.Client] = {}
_ASYNC: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[float, float], httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary())


def sync_client(timeouts: Timeouts) -> httpx.Client:
    """The process's shared client for these timeouts (a connection pool reused across calls)."""
    key = (timeouts.connect, timeouts.idle)
    with _LOCK:
        client = _SYNC.get(key)
        if client is None:
            client = _SYNC[key] = httpx.Client(
                timeout=_timeout(timeouts), headers={"user-agent": USER_AGENT},
                transport=_track(httpx.HTTPTransport(), _Backend(httpcore.SyncBackend())))
        return client


def async_client(timeouts: Timeouts) -> httpx.AsyncClient:
    """The shared async client of the running event loop (a pool belongs to one loop)."""
    loop = asyncio.get_running_loop()
    key = (timeouts.connect, timeouts.idle)
    with _LOCK:
        clients = _ASYNC.setdefault(loop, {})
        client = clients.get(key)
        if client is None:
            client = clients[key] = httpx.AsyncClient(
                timeout=_timeout(timeouts), headers={"user-agent": USER_AGENT},
                transport=_track(httpx.AsyncHTTPTransport(), AioBackend()))
        return client


def close_clients() -> None:
    """Close the shared sync clients (async ones go with their loop)."""
    with _LOCK:
        clients = list(_SYNC.values())
        _SYNC.clear()
    for client in clients:
        client.close()
