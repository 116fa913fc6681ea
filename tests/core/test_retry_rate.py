"""Backoff arithmetic, retry-after parsing, and the per-provider token bucket."""

from __future__ import annotations

import threading
import time
from email.utils import formatdate
from pathlib import Path

import pytest

from tests.core.conftest import ask
from tests.fakes.model_server import FakeModelServer
from vibing2_lab.config import load_settings
from vibing2_lab.events import CompleteEvent, ErrorEvent
from vibing2_lab.providers import Cancel, get_provider
from vibing2_lab.providers._retry import RateLimiter, backoff, rate_limiter, retry_after, should_retry


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    delays = [backoff(n, base_delay=0.5, max_delay=4, rand=lambda: 0.0) for n in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    jittered = backoff(1, base_delay=0.5, max_delay=4, rand=lambda: 1.0)
    assert jittered == pytest.approx(0.75)  # at most 25 % shorter


def test_retry_after_forms() -> None:
    assert retry_after({"retry-after": "3"}) == 3.0
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25  # ms wins
    assert retry_after({"retry-after": formatdate(1_000_010, usegmt=True)}, now=1_000_000) == pytest.approx(10)
    assert retry_after({"retry-after": "soon"}) is None and retry_after({}) is None
    # the server's wish beats the computed backoff, unless it is unreasonably long
    assert backoff(0, base_delay=0.01, max_delay=0.05, headers={"retry-after": "2"}) == 2.0
    assert backoff(0, base_delay=0.01, max_delay=0.05, headers={"retry-after": "3600"}, rand=lambda: 0) == 0.01


@pytest.mark.parametrize("status, retry", [(408, True), (409, True), (429, True), (500, True), (503, True),
                                           (529, True), (400, False), (401, False), (403, False), (404, False)])
def test_retryable_statuses(status: int, retry: bool) -> None:
    assert should_retry(status, {}) is retry


def test_token_bucket_with_a_clock() -> None:
    now = [0.0]
    bucket = RateLimiter(6, clock=lambda: now[0])  # 6 per minute: one every 10 s, bursts of 6
    assert [bucket.reserve() for _ in range(6)] == [0.0] * 6
    assert bucket.reserve() == pytest.approx(10.0)
    assert bucket.reserve() == pytest.approx(20.0)  # reservations queue up
    now[0] = 60.0  # a minute later the debt is paid and 4 slots are back
    assert [bucket.reserve() for _ in range(4)] == [0.0] * 4
    assert bucket.reserve() == pytest.approx(10.0)
    assert RateLimiter(0).reserve() == 0.0  # 0 = unlimited


def test_token_bucket_is_thread_safe() -> None:
    bucket = RateLimiter(600, clock=lambda: 0.0)  # frozen time: exactly 600 free slots
    waits: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(100):
            w = bucket.reserve()
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for w in waits if w == 0.0) == 600
    assert sorted(w for w in waits if w) == pytest.approx([0.1 * n for n in range(1, 201)])


def test_limiter_is_shared_per_provider() -> None:
    assert rate_limiter("shared-test", 30) is rate_limiter("shared-test", 30)
    assert rate_limiter("shared-test", 60).rpm == 60


def test_rate_limit_delays_the_next_request_and_the_wait_is_cancellable(
        fake_model: FakeModelServer, vibe_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (vibe_home / "config.yaml").write_text(
        f"providers: {{limited: {{base_url: '{fake_model.url}', wire: anthropic, rate_limit_rpm: 1}}}}\n")
    monkeypatch.setenv("LIMITED_API_KEY", "sk-limited-000000000")
    s = load_settings()
    first = list(get_provider("limited", settings=s).stream(ask()))[-1]
    assert isinstance(first, CompleteEvent)
    cancel = Cancel()
    threading.Timer(0.3, cancel.stop).start()
    t0 = time.perf_counter()
    second = list(get_provider("limited", settings=s).stream(ask(), cancel=cancel))[-1]
    assert time.perf_counter() - t0 < 2.0  # the bucket asked for ~60 s; stop() cut it short
    assert isinstance(second, ErrorEvent) and second.kind == "cancelled"
    assert len(fake_model.requests) == 1  # the second request was never sent
