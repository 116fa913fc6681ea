"""`vibing2-lab ask --allow` and consent on the terminal, as real subprocesses (a pty for the TTY)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes.model_server import FakeModelServer, Reply, tool_results

WRITE = Reply(text="Saving.", tool_uses=[{"id": "w1", "name": "Write",
                                          "input": {"file_path": "out.txt", "content": "hello\n"}}])


def _in(work: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    """The CLI run in `work` (its working directory is where tools act)."""
    return subprocess.run([sys.executable, "-m", "vibing2_lab.cli", *args], capture_output=True, text=True,
                          cwd=work, timeout=60, **kw)  # type: ignore[call-overload]


def test_without_a_tty_a_tool_that_asks_is_denied_at_once(fake_model: FakeModelServer, agents: Path,
                                                          work: Path) -> None:
    fake_model.enqueue(WRITE, Reply(text="Could not save."))
    result = _in(work, "ask", "--json", "--agent", "analyst", "--model", "openai:fake-model", "save it",
                 stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["type"] for e in events if e["type"] != "token"] == ["tool_use", "tool_result", "complete"]
    denied = next(e for e in events if e["type"] == "tool_result")
    assert denied["status"] == "denied" and denied["is_error"] and "--allow Write" in denied["content"]
    assert not (work / "out.txt").exists()


def test_allow_pre_approves_and_the_text_output_shows_the_steps(fake_model: FakeModelServer, agents: Path,
                                                                work: Path) -> None:
    fake_model.enqueue(WRITE, Reply(text="Saved."))
    result = _in(work, "ask", "--agent", "analyst", "--allow", "Write,Read", "--model", "anthropic:fake-model",
                 "save it", stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert (work / "out.txt").read_text() == "hello\n"
    assert result.stdout == ('Saving.\n[tool_use Write {"file_path": "out.txt", "content": "hello\\n"}]\n'
                             "[tool_result Write ok: Created out.txt (1 lines).]\n\n\nSaved.\n")
    assert tool_results(fake_model.requests[1])[0]["content"] == "Created out.txt (1 lines)."


def _ask_on_a_tty(work: Path, answer: bytes) -> tuple[int, str]:
    """Run `ask` with stdin/stdout/stderr on a pty; type `answer` when the question shows."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "vibing2_lab.cli", "ask", "--agent", "analyst", "--model",
                             "openai:fake-model", "save it"], stdin=slave, stdout=slave, stderr=slave, cwd=work)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    answered = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the pty
                break
            if not chunk:
                break
            seen += chunk
            if not answered and b"Allow?" in seen:
                os.write(master, answer)
                answered = True
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=10)
    os.close(master)
    return code, seen.decode("utf-8", "replace")


def test_on_a_tty_y_allows_and_n_with_a_reason_denies(fake_model: FakeModelServer, agents: Path,
                                                       work: Path) -> None:
    fake_model.enqueue(WRITE, Reply(text="Saved."))
    code, screen = _ask_on_a_tty(work, b"y\n")
    assert code == 0, screen
    assert "Write (analyst) wants to run:" in screen and "+hello" in screen  # the diff is shown
    assert (work / "out.txt").read_text() == "hello\n"

    (work / "out.txt").unlink()
    fake_model.enqueue(WRITE, Reply(text="Not saved."))
    code, screen = _ask_on_a_tty(work, b"n: not today\n")
    assert code == 0, screen
    assert not (work / "out.txt").exists()
    assert "not today" in tool_results(fake_model.requests[-1])[0]["content"]
