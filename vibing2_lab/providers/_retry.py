"""When to retry, how long to wait, and the per-provider token bucket. Pure: no I/O, no sleeping."""

from __future__ import annotations

import random
import threading
import time
from typing import Callable, Mapping

RETRY_STATUSES = frozenset({408, 409, 429, 529}) | frozenset(range(500, 600))
RETRY_AFTER_CAP = 60.0  # seconds: a server asking for longer is not waited for blindly


def should_retry(status: int, headers: Mapping[str, str]) -> bool:
    """Whether an HTTP error status may be retried (an `x-should-retry` header decides first)."""
    hint = headers.get("x-should-retry", "").strip().lower()
    if hint in ("true", "false"):
        return hint == "true"
    return status in RETRY_STATUSES


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, then `retry-after`), if any."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:  # an HTTP date
        when = parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def backoff(attempt: int, *, base_delay: float, max_delay: float, headers: Mapping[str, str] | None = None,
            rand: Callable[[], float] = random.random) -> float:
    """Seconds before retry number `attempt + 1`: the server's wish, else exponential with jitter."""
    asked = retry_after(headers or {})
    if asked is not None and asked <= max(RETRY_AFTER_CAP, max_delay):
        return asked
    delay = min(max_delay, base_delay * (2.0 ** attempt))
    # Jitter keeps many clients that failed together from retrying together.
    return delay * (1.0 - 0.25 * rand())


class RateLimiter:
    """A token bucket: `rpm` requests per minute, bursts up to `rpm`; thread- and asyncio-safe.

    `reserve()` takes a slot at once and says how long to wait before using it, so the
    lock is never held while waiting and the caller can wait in whatever way suits it
    (a thread sleeps, a coroutine awaits), and stop waiting when cancelled.
    """

    def __init__(self, rpm: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.configure(rpm)
        self._tokens = self._capacity
        self._updated = clock()

    def configure(self, rpm: float) -> None:
        """Change the rate (config reloaded); the bucket's level is kept."""
        with self._lock:
            self.rpm = float(rpm or 0.0)
            self._rate = self.rpm / 60.0
            self._capacity = max(1.0, self.rpm)

    def reserve(self) -> float:
        """Take one request slot; return the seconds to wait before sending (0.0 if free)."""
        if self._rate <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self._rate


_LIMITERS: dict[str, RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def rate_limiter(provider: str, rpm: float) -> RateLimiter:
    """The process-wide bucket for a provider (created on first use, rate kept up to date)."""
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(provider)
        if limiter is None:
            limiter = _LIMITERS[provider] = RateLimiter(rpm)
        elif limiter.rpm != float(rpm or 0.0):
            limiter.configure(rpm)
        return limiter
