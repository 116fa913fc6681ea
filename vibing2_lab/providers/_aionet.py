"""The async side of an exchange, on aiohttp: the Jupyter server relays every stream through here.

Why not httpx here too: relaying 50 concurrent streams, httpx's async stack cost the server
about 37 µs of CPU per token (h11 parses each chunk in Python, seven async-generator layers
hand it up) and ~800 µs per request (httpcore's pool scans every connection for every
request and every release: quadratic in the streams open). aiohttp parses HTTP in C and
keeps its pool in a dict: ~24 µs per token and ~120 µs per request on the same machine
(the floor, a bare asyncio protocol, is ~20 µs). The sync path (CLI, kernels) stays on httpx.

Stopping: before the response headers, `Cancel.stop()` cancels the request's task; after
them, the SocketGuard shuts the connection's socket, so the pending read ends at once.
One ClientSession per event loop; it is closed with the loop (`asyncio.run` shuts async
generators down, see `_lifetime`) or by `close_sessions()` (the server extension's stop).

This module imports aiohttp; import it only inside functions.
"""

from __future__ import annotations

import asyncio
import contextvars
import ssl
import threading
import weakref
from typing import TYPE_CHECKING, AsyncIterator, Callable

import aiohttp
from aiohttp.http_exceptions import ContentEncodingError

from .. import __version__
from ..log_redaction import guard_logs
from ._failures import MAX_ERROR_BODY
from ._guard import SocketGuard
from ._proxy import proxy_for

if TYPE_CHECKING:
    from ..config import Timeouts
    from .base import ModelRequest, Provider
    from ..events import StreamEvent
    from ._cancel import Cancel
    from ._exchange import Exchange

guard_logs("aiohttp", "aiohttp.client", "aiohttp.internal")
USER_AGENT = f"vibing2-lab/{__version__}"

_LOCK = threading.Lock()
# loop -> {connect timeout: (session, the async generator that closes it with the loop)}
_SESSIONS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[float, tuple[
    aiohttp.ClientSession, AsyncIterator[None]]]] = weakref.WeakKeyDictionary()
_SSL: list[ssl.SSLContext] = []
# A response header line as long as the sync path (httpcore) reads, 100 KiB: aiohttp's default,
# 8,190 bytes, failed on the async path answers the sync path read (a 9 kB cookie) as "connection
# lost". aiohttp's header count limit (128 since 3.13.4) still bounds the head's memory.
MAX_HEAD_LINE = 100 * 1024


def _ssl_context() -> ssl.SSLContext:
    """The trust the sync path has (httpx's: certifi, or SSL_CERT_FILE / SSL_CERT_DIR)."""
    if not _SSL:
        import httpx

        _SSL.append(httpx.create_ssl_context(trust_env=True))
    return _SSL[0]


async def _lifetime(session: aiohttp.ClientSession) -> AsyncIterator[None]:
    """Started once and kept: the loop's shutdown_asyncgens() (asyncio.run does it) closes it,
    and the session with it."""
    try:
        yield
    finally:
        await session.close()


async def session_for(timeouts: Timeouts) -> aiohttp.ClientSession:
    """The running loop's shared session for these timeouts (one connection pool per loop)."""
    loop = asyncio.get_running_loop()
    key = timeouts.connect  # the idle timeout is each exchange's own (_Idle), not the session's
    found = _SESSIONS.get(loop, {}).get(key)  # per request: one lookup (a WeakKeyDictionary walk cost ~25 µs)
    if found is not None and not found[0].closed:
        return found[0]
    with _LOCK:
        for gone in [other for other in _SESSIONS if other.is_closed()]:  # closed with their loop
            del _SESSIONS[gone]
        _SESSIONS.setdefault(loop, {})
    connector = aiohttp.TCPConnector(limit=0, ssl=_ssl_context(), ttl_dns_cache=60)
    # The idle timeout (between bytes) is aattempt's _Idle, not aiohttp's sock_read.
    timeout = aiohttp.ClientTimeout(total=None, connect=timeouts.connect, sock_connect=timeouts.connect)
    # trust_env=False: aiohttp would read ~/.netrc in a thread for every request (httpx does not read
    # it either); the proxy variables are read per request by _proxy.proxy_for.
    session = aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False,
                                    headers={"user-agent": USER_AGENT},
                                    max_line_size=MAX_HEAD_LINE, max_field_size=MAX_HEAD_LINE)
    lifetime = _lifetime(session)
    await lifetime.__anext__()
    with _LOCK:
        _SESSIONS[loop][key] = (session, lifetime)
    return session


async def close_sessions() -> None:
    """Close the running loop's sessions (their pooled connections with them)."""
    with _LOCK:
        found = _SESSIONS.pop(asyncio.get_running_loop(), {})
    for _, lifetime in found.values():
        await lifetime.aclose()  # type: ignore[attr-defined]  (its finally closes the session)


class _Idle:
    """The idle timeout (`idle` s without a byte), on one timer re-armed only when it fires early:
    aiohttp's own (sock_read) re-arms a timer on every packet, which cost ~4 µs per relayed token.

    It counts the model's silence only: the time spent waiting for a read (`reading()`), not the
    time the consumer holds the stream between reads (`held()`), e.g. the server waiting for a slow
    client; what the model sent meanwhile waits in the socket. The server bounds a stalled client
    itself (Vibing2Lab.client_stall_timeout)."""

    def __init__(self, idle: float, on_expire: Callable[[], None]) -> None:
        self.loop = asyncio.get_running_loop()
        self.idle, self.on_expire = idle, on_expire
        self.last = self.loop.time()
        self.waiting = True  # for the response headers, then for each read
        self.expired = False
        self._timer = self._later(idle)

    def _later(self, delay: float) -> asyncio.TimerHandle:
        # In a context of its own: a cancelled timer stays in the loop until it was due (60 s), and
        # the caller's context with it (the Jupyter server keeps the request's handler there).
        return self.loop.call_later(delay, self._check, context=contextvars.Context())

    def reading(self) -> None:
        self.last, self.waiting = self.loop.time(), True

    def held(self) -> None:
        self.waiting = False

    def _check(self) -> None:
        left = self.last + self.idle - self.loop.time() if self.waiting else self.idle
        if left > 0:
            self._timer = self._later(left)
        else:
            self.expired = True
            self.on_expire()

    def cancel(self) -> None:
        self._timer.cancel()

    def error(self, tokens: int) -> aiohttp.SocketTimeoutError:
        return aiohttp.SocketTimeoutError(f"no data for {self.idle:g} s after {tokens} tokens")


async def _send(session: aiohttp.ClientSession, call: Exchange, cancel: Cancel,
                idle: _Idle) -> aiohttp.ClientResponse | None:
    """POST the call's body; None when `cancel` stopped it before the response headers came."""
    loop = asyncio.get_running_loop()
    # In an empty context: the connection's reader and the pool's timers are made in the request's
    # task, and each would keep its context (where Jupyter keeps the handler) as long as the pooled
    # connection lives.
    task = contextvars.Context().run(asyncio.ensure_future, session.post(
        call.endpoint.url, data=call.body, headers=call.headers, allow_redirects=False,
        proxy=proxy_for(call.endpoint.url)))
    ended: list[str] = []  # why we cancelled the request: "stop" or "idle"

    def end(why: str) -> None:
        ended.append(why)
        try:
            loop.call_soon_threadsafe(task.cancel)
        except RuntimeError:  # the loop is closed: nobody waits for this task any more
            pass

    unhook = cancel.on_stop(lambda: end("stop"))
    on_expire, idle.on_expire = idle.on_expire, lambda: end("idle")
    try:
        return await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if ended and task.cancelled() and not getattr(current, "cancelling", lambda: 0)():
            if ended[0] == "idle":  # ours, not the caller's task being cancelled
                raise idle.error(0) from None
            return None
        raise
    finally:
        unhook()
        idle.on_expire = on_expire


async def astream(provider: Provider, request: ModelRequest, cancel: Cancel) -> AsyncIterator[StreamEvent]:
    """Provider.astream: every attempt of one exchange, retries and their backoff included, in
    one generator (the async twin of Provider._stream + _attempt; one layer, as this runs per
    token). A retry is decided by the Exchange through `call.retry_delay`."""
    from ._retry import rate_limiter
    from .base import _ending

    call, early = provider._new_call(request)
    if early is not None:
        yield early
        return
    session = await session_for(provider.settings.timeouts)
    limiter = rate_limiter(provider.name, provider.conf.rate_limit_rpm)
    while True:
        if await cancel.async_wait(limiter.reserve()):
            yield call.cancelled()
            return
        call.begin()
        guard = SocketGuard()
        unhook = cancel.on_stop(guard.stop)
        idle = _Idle(call.endpoint.idle_timeout, guard.stop)  # after the headers: the read ends at once
        response = None
        try:
            try:
                response, streaming, final = await _open(session, call, cancel, idle, guard)
                if streaming:
                    feed, reading, held = call.feed, idle.reading, idle.held
                    readany = response.content.readany  # type: ignore[union-attr]
                    while True:
                        reading()
                        chunk = await readany()  # iter_any() minus its iterator object: b"" is the end
                        if not chunk:
                            break
                        held()  # from here to the next read, the consumer's time (a slow client's)
                        for event in feed(chunk):
                            yield event
                        if call.finished or cancel.stopped:
                            break
                    if idle.expired and not call.finished:
                        raise idle.error(len(call.parts))
                    if not cancel.stopped:
                        for event in call.flush():
                            yield event
                    final = _ending(call, cancel)
            except Exception as exc:  # network and wire failures become the final event
                if idle.expired and not cancel.stopped and not isinstance(exc, aiohttp.SocketTimeoutError):
                    exc = idle.error(len(call.parts))  # the shut socket's error is the timeout's
                elif isinstance(exc, aiohttp.ClientPayloadError) and isinstance(exc.__cause__, ContentEncodingError):
                    exc = exc.__cause__  # a body that does not decode, as httpx's DecodingError says
                final = call.exception(exc, cancelled=cancel.stopped)
            if final is not None:
                call.final = final
                yield final
                if final.type == "complete" and response is not None:
                    idle.reading()  # under the idle timeout again: a stalled tail cannot hang the drain
                    await _drain(response)
        finally:
            unhook()
            idle.cancel()
            call.end_attempt()
            if response is not None:
                response.release()  # back to the pool when read to the end, else closed
        if call.retry_delay is None:
            return
        if await cancel.async_wait(call.retry_delay):
            yield call.cancelled()
            return


async def _open(session: aiohttp.ClientSession, call: Exchange, cancel: Cancel, idle: _Idle,
                guard: SocketGuard) -> tuple[aiohttp.ClientResponse | None, bool, StreamEvent | None]:
    """Send the request and take the response headers: (response, True, None) when its body is
    the stream; else (response or None, False, the final event: stopped, or the HTTP error, or
    None when the Exchange will retry it)."""
    response = await _send(session, call, cancel, idle)
    if response is None:
        return None, False, call.cancelled()
    connection = response.connection
    guard.attach(connection.transport if connection is not None else None)
    if response.status >= 300:
        body = await _read_some(response, MAX_ERROR_BODY)  # no more: a body that never ends cannot hold us
        if idle.expired:
            raise idle.error(0)
        return response, False, call.http_error(response.status, response.headers, body)
    call.on_headers(response.headers)
    return response, True, None


async def _drain(response: aiohttp.ClientResponse) -> None:
    """Read the rest of a finished body (DRAIN_BYTES at most; the idle timer bounds the time) so the
    connection can go back to the pool; release() closes one whose body was not read to its end."""
    from .base import DRAIN_BYTES

    try:
        await _read_some(response, DRAIN_BYTES)
    except Exception:
        pass


async def _read_some(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """Up to `limit` bytes more of a body (the idle timer bounds the time)."""
    parts: list[bytes] = []
    size, readany = 0, response.content.readany
    while size < limit:
        chunk = await readany()
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)[:limit]
