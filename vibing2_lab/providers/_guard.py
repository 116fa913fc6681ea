"""SocketGuard: ends one HTTP exchange from any thread by shutting its socket down.

A read blocked in `recv()` (sync) or parked in the event loop (async) returns at once with
end-of-stream, on every OS, and no thread has to be interrupted. No HTTP library here: the
sync path (_net.py) and the async one (_aionet.py) both attach what they have.
"""

from __future__ import annotations

import socket
import ssl
import threading
from typing import Any


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
