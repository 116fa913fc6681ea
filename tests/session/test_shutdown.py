"""Issue 11, D8: an answer streaming when its process is stopped.

SIGTERM (a real CLI process, a real `jupyter server`): the partial answer is always stored,
as cancelled. SIGKILL: nothing can run any more, but the text is checkpointed while it
streams, so at most the last ~2 s are lost. "What the client could have" is measured at the
fake model server: the token deltas it had written to the socket at each moment.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.browser.lab import Lab
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.store import Store

WORDS = [f" w{i}" for i in range(400)]  # 20 s at 0.05 s per token: never finishes in these tests
DELAY = 0.05


def _answers(home: Path, project: str) -> list[tuple[str, str]]:
    try:
        store = Store.open(home / "vibing2.db")
        rows = [(m.status, m.content) for m in store.get_project(project).messages if m.role == "assistant"]
        store.close()
        return rows
    except Exception:  # not created yet
        return []


def _written_tokens(fake: FakeModelServer) -> int:
    with fake._lock:
        return bytes(fake.written).count(b'"text_delta"')


def _stream_until(fake: FakeModelServer, seconds: float) -> list[tuple[float, int]]:
    """Wait until tokens flow, then `seconds` more; the (time, tokens written) samples."""
    deadline = time.monotonic() + 30
    while _written_tokens(fake) == 0:
        assert time.monotonic() < deadline, "no token was streamed"
        time.sleep(0.02)
    samples, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        samples.append((time.monotonic(), _written_tokens(fake)))
        time.sleep(0.05)
    return samples


def _written_before(samples: list[tuple[float, int]], moment: float) -> int:
    return max([n for t, n in samples if t <= moment] or [0])


def _stream_past(fake: FakeModelServer, samples: list[tuple[float, int]], tokens: int, *, lag: float) -> None:
    """Keep sampling until more than `tokens` had been written `lag` seconds ago (a loaded machine streams slower)."""
    deadline = time.monotonic() + 60
    while _written_before(samples, time.monotonic() - lag) <= tokens:
        assert time.monotonic() < deadline, f"fewer than {tokens} tokens streamed in a minute"
        samples.append((time.monotonic(), _written_tokens(fake)))
        time.sleep(0.05)


def _start_cli(project: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "vibing2_lab.cli", "ask", "--project", project, "count"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))


@pytest.mark.parametrize("attempt", range(3))  # deterministic: every time, not most times
def test_sigterm_stores_the_partial_answer_cli(fake_model: FakeModelServer, vibe_home: Path, attempt: int) -> None:
    fake_model.default = Reply(tokens=WORDS, delay=DELAY)
    proc = _start_cli("term")
    _stream_until(fake_model, 0.3 + 0.3 * attempt)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143 and "terminated" in err, err
    [(status, text)] = _answers(vibe_home, "term")
    assert status == "cancelled" and text.startswith(" w0 w1"), (status, text, err)
    assert text == "".join(WORDS[: len(text.split())])  # a clean prefix of the answer


def test_sigkill_loses_at_most_the_last_two_seconds_cli(fake_model: FakeModelServer, vibe_home: Path) -> None:
    fake_model.default = Reply(tokens=WORDS, delay=DELAY)
    proc = _start_cli("kill")
    samples = _stream_until(fake_model, 3.5)
    _stream_past(fake_model, samples, 20, lag=2.0)
    killed = time.monotonic()
    proc.kill()
    proc.wait(timeout=10)
    [(status, text)] = _answers(vibe_home, "kill")
    assert status == "streaming"  # as the checkpoint left it: nothing ran after the kill
    assert text == "".join(WORDS[: len(text.split())])  # a clean prefix of the answer
    assert len(text.split()) >= _written_before(samples, killed - 2.0) > 20


class _Server(Lab):
    """A real `jupyter server` (not lab) with the extension, stopped by its own PID."""

    def __init__(self, base: Path, env: dict[str, str]) -> None:
        super().__init__(base, env)
        self.argv = [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root",
                     f"--port={self.port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
                     f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                     "--ServerApp.jpserver_extensions=vibing2_lab=True"]


class _Client(threading.Thread):
    """A client of the stream route that keeps what the server sent it."""

    def __init__(self, server: _Server, project: str) -> None:
        super().__init__(daemon=True)
        self.server, self.project, self.received = server, project, bytearray()

    def run(self) -> None:
        import httpx

        try:
            with httpx.stream("POST", f"{self.server.url}/vibing2-lab/api/stream", timeout=60,
                              headers={"Authorization": f"token {self.server.token}"},
                              json={"prompt": "count", "project": self.project}) as response:
                for chunk in response.iter_bytes():
                    self.received += chunk
        except httpx.HTTPError:
            pass  # the server went away: expected

    def wait_for(self, text: bytes, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.received:
            assert time.monotonic() < deadline, f"the server never sent {text!r}: {bytes(self.received)[-300:]!r}"
            time.sleep(0.02)


def _post_stream(server: _Server, project: str) -> _Client:
    client = _Client(server, project)
    client.start()
    return client


@pytest.fixture
def jupyter_server(fake_model: FakeModelServer, tmp_path: Path):
    env = {**os.environ, "ANTHROPIC_BASE_URL": fake_model.url, "ANTHROPIC_API_KEY": "sk-ant-fake-test-key"}
    server = _Server(tmp_path / "srv", env).start()
    yield server
    server.stop()


def test_sigterm_stores_the_partial_answer_server(fake_model: FakeModelServer, jupyter_server: _Server) -> None:
    fake_model.default = Reply(tokens=WORDS, delay=DELAY)
    client = _post_stream(jupyter_server, "srv-term")
    _stream_until(fake_model, 0.8)
    # What the answer must keep is what the server had relayed (on a loaded machine the fake
    # model can be several tokens ahead of it).
    client.wait_for(b" w1")
    jupyter_server.proc.send_signal(signal.SIGTERM)
    assert jupyter_server.proc.wait(timeout=30) is not None
    client.join(timeout=10)
    [(status, text)] = _answers(jupyter_server.home, "srv-term")
    assert status == "cancelled" and text.startswith(" w0 w1"), (status, text, jupyter_server.log())
    assert "stopped 1 live stream" in jupyter_server.log()


def test_sigkill_loses_at_most_the_last_two_seconds_server(fake_model: FakeModelServer,
                                                           jupyter_server: _Server) -> None:
    fake_model.default = Reply(tokens=WORDS, delay=DELAY)
    _post_stream(jupyter_server, "srv-kill")
    samples = _stream_until(fake_model, 3.5)
    _stream_past(fake_model, samples, 20, lag=2.0)
    killed = time.monotonic()
    jupyter_server.proc.send_signal(signal.SIGKILL)
    jupyter_server.proc.wait(timeout=10)
    [(status, text)] = _answers(jupyter_server.home, "srv-kill")
    assert status == "streaming"
    assert text == "".join(WORDS[: len(text.split())])
    assert len(text.split()) >= _written_before(samples, killed - 2.0) > 20
