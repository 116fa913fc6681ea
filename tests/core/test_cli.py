"""`vibing2-lab ask` and `vibing2-lab login`, run as real subprocesses."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import PLANTED_KEY, run_cli
from tests.fakes.model_server import FakeModelServer, Reply, split_tokens

TEXT = "Hi there — ¡hola! 你好 🎉"


def test_ask_json_prints_tokens_then_one_complete_event(fake_model: FakeModelServer) -> None:
    fake_model.default = Reply(text=TEXT)
    result = run_cli("ask", "--json", "hi")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    tokens = [e["text"] for e in events if e["type"] == "token"]
    completes = [e for e in events if e["type"] == "complete"]
    assert tokens == split_tokens(TEXT) and len(completes) == 1 and events[-1] is completes[0]
    assert completes[0]["text"] == "".join(tokens) == TEXT
    assert completes[0]["provider"] == "anthropic" and completes[0]["model"] == "claude-sonnet-4-5"
    assert completes[0]["usage"]["output_tokens"] == len(tokens) and completes[0]["timings"]["ttft"] is not None
    assert result.stderr == ""
    assert fake_model.requests[0].body["messages"] == [{"role": "user", "content": "hi"}]


def test_ask_streams_plain_text(fake_model: FakeModelServer) -> None:
    fake_model.default = Reply(text=TEXT)
    result = run_cli("ask", "--model", "openai:llama3.1", "--system", "be nice", "-")
    assert result.returncode == 1  # no prompt on stdin: empty prompt
    assert result.stderr.count("\n") == 1 and "empty" in result.stderr
    result = run_cli("ask", "--model", "openai:llama3.1", "--system", "be nice", "-", input="from stdin")
    assert result.returncode == 0, result.stderr
    assert result.stdout == TEXT + "\n"
    body = fake_model.requests[-1].body
    assert body["model"] == "llama3.1" and body["messages"][0] == {"role": "system", "content": "be nice"}
    assert body["messages"][1] == {"role": "user", "content": "from stdin"}


def test_ask_error_keeps_partial_output_and_prints_one_line(fake_model: FakeModelServer) -> None:
    fake_model.default = Reply(text="partial answer here", fault="drop", after=2)
    result = run_cli("ask", "hi")
    assert result.returncode == 1
    assert result.stdout == "partial answer\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("vibing2-lab: error: The connection to anthropic was lost")


def test_ask_json_error_event_then_one_stderr_line(fake_model: FakeModelServer) -> None:
    fake_model.default = Reply(fault="http", status=401)
    env = {**os.environ, "ANTHROPIC_API_KEY": PLANTED_KEY}
    result = run_cli("ask", "--json", "hi", env=env)
    assert result.returncode == 1
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["type"] for e in events] == ["error"] and events[0]["kind"] == "auth"
    assert len(result.stderr.splitlines()) == 1
    assert "environment variable ANTHROPIC_API_KEY" in result.stderr
    assert PLANTED_KEY not in result.stdout + result.stderr


def test_ask_unknown_provider(fake_model: FakeModelServer) -> None:
    result = run_cli("ask", "-m", "mistral:large", "hi")
    assert result.returncode == 1 and "Known providers: anthropic, openai" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_login_stores_the_key_in_the_keychain_and_ask_uses_it(fake_model: FakeModelServer) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    result = run_cli("login", "--provider", "anthropic", input=PLANTED_KEY + "\n", env=env)
    assert result.returncode == 0, result.stderr
    assert "Stored the anthropic API key" in result.stdout
    assert PLANTED_KEY not in result.stdout + result.stderr  # never echoed
    result = run_cli("ask", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert fake_model.requests[-1].headers["x-api-key"] == PLANTED_KEY
    assert run_cli("login", "--delete", env=env).stdout.startswith("Removed")


def test_login_without_a_keychain_backend_is_a_clear_error(fake_model: FakeModelServer) -> None:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = run_cli("login", input="sk-ant-whatever-123456\n", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("vibing2-lab: error: No OS keychain is available")
    assert len(result.stderr.splitlines()) == 1 and "sk-ant-whatever" not in result.stderr


@pytest.mark.parametrize("settle", [0.3, 0.0], ids=["blocked-in-stream", "right-after-a-token"])
def test_ctrl_c_ends_with_a_cancelled_event_keeping_the_partial_text(fake_model: FakeModelServer,
                                                                     settle: float) -> None:
    import signal
    import subprocess
    import sys
    import time

    fake_model.default = Reply(text="first second third", fault="stall", after=2)
    proc = subprocess.Popen([sys.executable, "-m", "vibing2_lab.cli", "ask", "--json", "hi"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = [proc.stdout.readline(), proc.stdout.readline()]  # the two tokens, then the stall
    time.sleep(settle)  # 0.3: the child is blocked reading the stall; 0: it may still be rendering
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    events = [json.loads(line) for line in lines + out.splitlines()]
    assert [e["type"] for e in events] == ["token", "token", "error"]
    assert events[-1]["status"] == "cancelled" and events[-1]["partial_text"] == "first second"
    assert proc.returncode == 130 and err == "vibing2-lab: interrupted\n"
