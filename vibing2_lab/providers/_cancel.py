"""Stopping a stream: `Cancel` (any thread or task) and `StreamInterrupted` (Ctrl+C)."""

from __future__ import annotations

import threading
from typing import Callable

from ..events import ErrorEvent
from ..log_text import logger

log = logger("vibing2_lab.providers")


class Cancel:
    """A stop signal for streams; `stop()` is safe from any thread or task, and idempotent."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def stop(self) -> None:
        """Stop every stream using this Cancel: blocked reads end at once."""
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # one broken callback must not keep the others from running
                log.exception("cancel callback failed")

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def on_stop(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run `callback` when stopped (at once if already); returns a function that unregisters it."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._forget(callback)
        callback()
        return lambda: None

    def _forget(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds, waking when stopped; returns `stopped`."""
        return self._event.wait(timeout) if timeout > 0 else self.stopped

    async def async_wait(self, timeout: float) -> bool:
        """`wait()` for coroutines: awaits without blocking the loop."""
        if timeout <= 0 or self.stopped:
            return self.stopped
        import asyncio  # here: the sync path should not pay for importing asyncio

        loop = asyncio.get_running_loop()
        woken = loop.create_future()

        def wake() -> None:
            try:
                loop.call_soon_threadsafe(lambda: woken.done() or woken.set_result(None))
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                pass

        unhook = self.on_stop(wake)
        try:
            await asyncio.wait([woken], timeout=timeout)
        finally:
            unhook()
            woken.cancel()
        return self.stopped


class StreamInterrupted(KeyboardInterrupt):
    """Ctrl+C (or a kernel interrupt) during a sync stream; `.event` is the final cancelled
    ErrorEvent with the partial text. Being a KeyboardInterrupt, it still stops the program or cell."""

    def __init__(self, event: ErrorEvent) -> None:
        super().__init__("stream interrupted")
        self.event = event
