"""The SSE writer: frames to a tornado handler's connection, at once on a plain socket (those
ready at once in one write), else once per loop tick; backpressure and a stalled client's
bound; the heartbeat. SSEHandler (sse_out.py) drives it."""

from __future__ import annotations

import asyncio
import contextvars
import socket
import struct
import sys
from typing import TYPE_CHECKING, Any, Callable

from tornado.iostream import IOStream, StreamClosedError

from .sse_frames import HEARTBEAT

if TYPE_CHECKING:
    from tornado.web import RequestHandler

HIGH_WATER = 1 << 20  # bytes queued for a slow client before we stop reading upstream
COALESCE_BYTES = 64 * 1024  # frames ready at once are written together, up to this much per write


class EventWriter:
    """Writes frames to a tornado handler: at once on a plain socket, else once per loop tick.

    `gone` turns true (and `on_gone` runs once) when a flush finds the client has left.
    """

    def __init__(self, handler: RequestHandler, *, on_gone: Callable[[], None]) -> None:
        self._handler = handler
        self._on_gone = on_gone
        self._parts: list[bytes] = []  # frames queued since the last flush
        self._scheduled = False
        self._inflight: asyncio.Future[None] | None = None
        self._queued = 0  # bytes written since the in-flight flush started
        self.gone = False
        self.closed = False  # set once drained for the last time: no flush may follow finish()
        self.frames = 0
        self.writes = 0  # writes to the connection: fewer than frames when frames came ready at once
        self._stream: Any = None  # the connection's IOStream, once the headers are out
        self._chunked = False
        self._plain = False
        self._beat: asyncio.TimerHandle | None = None
        self._interval = 0.0
        # Tornado leaves Nagle's algorithm on until a response finishes: a small frame written
        # while the previous one is unacknowledged waits for the client's delayed ACK (~40 ms).
        stream = getattr(getattr(handler.request, "connection", None), "stream", None)
        if stream is not None and not stream.closed():
            stream.set_nodelay(True)

    def send(self, data: bytes) -> None:
        """Write a frame now (plain socket), or queue it for the end of the current tick."""
        if self.gone or self.closed:
            return
        self._parts.append(data)
        self.frames += 1
        self._queued += len(data)
        if self._plain and not self._scheduled:
            # Headers out, a plain socket: write it now. A model sends one event per packet, and a
            # flush scheduled for the end of the tick cost one more loop iteration per token; a
            # burst of events from one read is written frame by frame (the IOStream queues
            # whatever the socket does not take).
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_soon)

    def queue(self, data: bytes) -> None:
        """A frame that others may follow at once: kept until `flush()` (the relay calls it before
        the stream waits) or until COALESCE_BYTES are queued. Before the headers, or behind TLS
        or a transform, the same as `send()`."""
        if not self._plain:
            self.send(data)
            return
        if self.gone or self.closed:
            return
        self._parts.append(data)
        self.frames += 1
        self._queued += len(data)
        if self._queued >= COALESCE_BYTES:
            self._flush()

    def flush(self) -> None:
        """Write what `queue()` kept (one write for all of it)."""
        if self._parts and not self._scheduled:
            self._flush()

    def _flush_soon(self) -> None:
        if self._scheduled:  # not already flushed by drain()
            self._scheduled = False
            self._flush()

    def _flush(self) -> None:
        if self.gone or self.closed or not self._parts:
            return
        data = self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)
        self._parts.clear()
        try:
            future = self._write(data)
        except StreamClosedError:
            self.mark_gone()
            return
        self._queued = 0
        self.writes += 1
        self._inflight = future  # awaited only for backpressure; a write that fails closes the
        # stream, and tornado then calls on_connection_close (mark_gone)

    def _write(self, data: bytes) -> asyncio.Future[None] | None:
        handler = self._handler
        stream = self._stream
        if stream is None:
            connection = handler.request.connection
            chunked = getattr(connection, "_chunking_output", None)
            if (handler._headers_written and not handler._transforms  # type: ignore[attr-defined]
                    and chunked is not None and getattr(connection, "stream", None) is not None):
                self._stream, self._chunked = connection.stream, chunked  # type: ignore[union-attr]
                stream = self._stream
                # A plain TCP IOStream (not TLS, not a subclass with its own writes) may be written
                # to straight through its socket.
                self._plain = type(stream) is IOStream and getattr(stream, "socket", None) is not None
        if stream is not None:
            # What RequestHandler.flush() and HTTP1Connection.write() do for a body chunk, minus
            # three futures and their callbacks: this runs once per relayed token.
            payload = b"%x\r\n%b\r\n" % (len(data), data) if self._chunked else data
            if self._plain and not stream._write_buffer:  # type: ignore[attr-defined]
                # Nothing queued before it: send it now, as IOStream.write would, without its
                # future (and the callback that reads it). Whatever the socket does not take
                # now goes to the IOStream, in order.
                try:
                    sent = stream.socket.send(payload)
                except OSError:  # would block; or reset, broken pipe: the IOStream's write meets it and closes
                    sent = 0
                if sent == len(payload):
                    return None
                payload = payload[sent:]
            return stream.write(payload)
        handler.write(data)  # the headers (the first frame), or a transform in the way
        return handler.flush()  # type: ignore[return-value]

    def mark_gone(self) -> None:
        """The client left: stop writing and tell the owner (once)."""
        if not self.gone:
            self.gone = True
            self._on_gone()

    @property
    def behind(self) -> bool:
        """More than HIGH_WATER bytes wait for a slow client: the caller then awaits
        `backpressure()` (and so stops reading upstream) instead of buffering without end."""
        inflight = self._inflight
        if inflight is None or inflight.done():
            return False
        return self._unsent() > HIGH_WATER

    async def backpressure(self, stall_timeout: float | None = None) -> None:
        """Wait until the client has taken what was written so far (see `behind`)."""
        await self._taken(stall_timeout)

    async def drain(self, stall_timeout: float | None = None) -> None:
        """Flush what is queued, wait until it is written, and accept no more flushes."""
        if self.gone:
            return
        self._scheduled = False
        self._flush()
        self.closed = True
        await self._taken(stall_timeout)

    async def _taken(self, stall_timeout: float | None) -> None:
        """Wait for the in-flight write. A client that takes nothing of it for `stall_timeout` s
        (a slow one that takes some is waited for) is treated as gone and its connection closed:
        the relay stopped reading upstream for it, and nothing else would ever end that wait."""
        inflight = self._inflight
        if inflight is None or self.gone:
            return
        if inflight.done():  # written, or failed (the client left): read its outcome
            if not inflight.cancelled() and inflight.exception() is not None:
                self.mark_gone()
            return
        left = self._undelivered()
        while True:
            try:
                await asyncio.wait_for(asyncio.shield(inflight), stall_timeout)
                return
            except StreamClosedError:
                self.mark_gone()
                return
            except asyncio.TimeoutError:
                now = self._undelivered()
                if now < left:  # slow, not stalled
                    left = now
                    continue
                inflight.add_done_callback(lambda f: f.cancelled() or f.exception())  # closing fails it
                self.mark_gone()
                self._handler.request.connection.close()  # type: ignore[union-attr]
                return

    def _unsent(self) -> int:
        stream = self._stream
        return len(stream._write_buffer) if stream is not None else self._queued  # type: ignore[attr-defined]

    def _undelivered(self) -> int:
        """What the client has not taken yet: our buffer and what the kernel still holds for it
        (a client reading a few MiB the kernel buffered makes no room in ours for a while)."""
        stream = self._stream
        sock = getattr(stream, "socket", None)
        return self._unsent() + (_kernel_queue(sock) if sock is not None else 0)

    def start_heartbeat(self, interval: float) -> None:
        """Send an SSE comment every `interval` s, so a client that left is noticed during a stall.
        On a timer in a context of its own: a cancelled timer stays in the loop until it was due,
        and with it the context it was made in (Jupyter keeps the request's handler there)."""
        self._interval = interval
        self._beat = asyncio.get_running_loop().call_later(interval, self._heartbeat, context=contextvars.Context())

    def _heartbeat(self) -> None:
        if not (self.gone or self.closed):
            self.send(HEARTBEAT)
            self.start_heartbeat(self._interval)

    def stop_heartbeat(self) -> None:
        if self._beat is not None:
            self._beat.cancel()  # drops its callback, and so its reference to this writer
            self._beat = None


def _kernel_queue(sock: socket.socket) -> int:
    """Bytes the kernel still holds for the peer (not yet sent, or not acknowledged): Linux's
    TIOCOUTQ, macOS's SO_NWRITE; 0 where neither answers (then only our buffer is watched)."""
    try:
        if sys.platform == "darwin":
            return sock.getsockopt(socket.SOL_SOCKET, 0x1024)  # SO_NWRITE
        import fcntl
        import termios

        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
    except (OSError, ImportError, AttributeError, ValueError):
        return 0
