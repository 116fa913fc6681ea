"""An asyncio-native network backend for httpcore (the async client's transport bytes).

httpx and httpcore still do all of HTTP; this only moves bytes. httpcore's default async
backend goes through anyio, which opens a cancel scope with a deadline around every single
read: relaying a stream one token per read, that bookkeeping was about a third of the Jupyter
server's CPU per token (benchmarks/server_streams.py). Here a read that finds bytes buffered
returns them at once, and a read that has to wait parks on one future with one timer.

Each stream reports itself to the current SocketGuard (see _net.py) on every read and write,
so stopping a call shuts its socket down whether it is new or reused from the pool.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any, Iterable

import httpcore

_HIGH_WATER = 1 << 18  # bytes buffered unread before we stop reading the socket
_LOW_WATER = 1 << 16
_TIMED_OUT = object()


class _Protocol(asyncio.Protocol):
    """Buffers what the socket receives; wakes the one reader or writer that waits."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()  # protocols are made by the loop, inside it
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self.reader: asyncio.Future[Any] | None = None
        self.writer: asyncio.Future[Any] | None = None
        self.reading_paused = False
        self.writing_paused = False
        self.last_active = 0.0  # loop time of the last byte received (or of the wait that began)
        self.timeout = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.last_active = self.loop.time()
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.close_timer()
        self.eof = True
        self.error = self.error or exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake_writer()

    def arm(self, timeout: float) -> None:
        """A wait begins: time out after `timeout` s without a byte (one timer, re-armed lazily)."""
        self.last_active = self.loop.time()
        if self._timer is None or timeout != self.timeout:
            if self._timer is not None:
                self._timer.cancel()
            self.timeout = timeout
            self._timer = self.loop.call_later(timeout, self._check)

    def _check(self) -> None:
        loop = self.loop
        self._timer = None
        waiting = [w for w in (self.reader, self.writer) if w is not None and not w.done()]
        if not waiting:
            return  # nobody waits: the next wait arms a new timer
        idle = loop.time() - self.last_active
        if idle < self.timeout:
            self._timer = loop.call_later(self.timeout - idle, self._check)
            return
        for waiter in waiting:
            waiter.set_result(_TIMED_OUT)

    def close_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _wake_reader(self) -> None:
        waiter, self.reader = self.reader, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_writer(self) -> None:
        waiter, self.writer = self.writer, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


async def _wait(protocol: _Protocol, slot: str, timeout: float | None) -> bool:
    """Park until the protocol wakes `slot` ("reader" or "writer"); False when `timeout` ran out.

    The timeout counts from the last byte received, like a per-read timeout, but one timer
    per connection is re-armed only when it fires early (a reset per read cost as much as
    the read itself when a stream sends one token per packet)."""
    waiter = protocol.loop.create_future()
    setattr(protocol, slot, waiter)
    if timeout is not None:
        protocol.arm(timeout)
    try:
        return await waiter is not _TIMED_OUT
    finally:
        if getattr(protocol, slot) is waiter:
            setattr(protocol, slot, None)


class AioStream(httpcore.AsyncNetworkStream):
    """One connection: a transport and the protocol that buffers its bytes."""

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        from ._net import report_stream

        report_stream(self)
        protocol = self._protocol
        while not protocol.buffer:
            if protocol.eof:
                if protocol.error is not None:
                    raise httpcore.ReadError(str(protocol.error) or type(protocol.error).__name__)
                return b""
            if not await _wait(protocol, "reader", timeout):
                raise httpcore.ReadTimeout(f"no data for {timeout} s")
        buffer = protocol.buffer
        if len(buffer) <= max_bytes:
            data = bytes(buffer)
            buffer.clear()
        else:
            data = bytes(buffer[:max_bytes])
            del buffer[:max_bytes]
        if protocol.reading_paused and len(buffer) < _LOW_WATER:
            protocol.reading_paused = False
            self._transport.resume_reading()
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        from ._net import report_stream

        report_stream(self)
        if not buffer:
            return
        protocol = self._protocol
        if protocol.eof or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        while protocol.writing_paused and not protocol.eof:
            if not await _wait(protocol, "writer", timeout):
                raise httpcore.WriteTimeout(f"could not send for {timeout} s")

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            transport = await loop.start_tls(self._transport, self._protocol, ssl_context,
                                             server_hostname=server_hostname, ssl_handshake_timeout=timeout)
        except (OSError, ssl.SSLError, asyncio.TimeoutError, ConnectionError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        if transport is None:
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        return AioStream(transport, self._protocol)  # type: ignore[arg-type]

    def get_extra_info(self, info: str) -> Any:
        transport = self._transport
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        if info == "is_readable":  # an idle pooled connection with bytes or EOF pending is dead
            return self._protocol.eof or bool(self._protocol.buffer)
        return None


class AioBackend(httpcore.AsyncNetworkBackend):
    """Opens AioStreams (TCP_NODELAY on, as anyio's backend does)."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        stream = await _connect(loop.create_connection(_Protocol, host, port, local_addr=local), timeout)
        sock = stream.get_extra_info("socket")
        if sock is not None:
            for option in [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1), *(socket_options or ())]:
                try:
                    sock.setsockopt(*option)
                except OSError:
                    pass
        return stream

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        return await _connect(loop.create_unix_connection(_Protocol, path), timeout)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connect(opening: Any, timeout: float | None) -> AioStream:
    try:
        transport, protocol = await asyncio.wait_for(opening, timeout)
    except asyncio.TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"no connection within {timeout} s") from exc
    except OSError as exc:
        raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
    return AioStream(transport, protocol)
