"""Issue 11, D1/D2/D14: a key planted by a hostile upstream in every field it controls is
found 0 times anywhere vibing2-lab writes: CLI output (text and --json), the store's raw
bytes (with its -wal file), an exported notebook, the export route, the SSE events of
POST stream, and the logs.

The upstream (the fake model server) echoes the credential it received into the
`request-id` header, the usage counts, the stop reason, a 401 body (after 170 characters
of padding, so a cut at 200 before redaction would keep half the key), and an SSE error
event. The key does not start with `sk-`: only knowing the exact key sent can catch it.
The OpenAI base URL carries `user:password`, which must be stripped everywhere too.
"""

from __future__ import annotations

import base64
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer, RecordedRequest, Reply
from tests.server.conftest import Api, sse

KEY = "vibe-planted-7f3e9a1c5b2d8e4f6a0b9c8d"  # not shaped like sk-...: caught only as the key sent
PASSWORD = "planted-Pa55word-3141592653"
PAD = "x" * 170


def _echo(request: RecordedRequest) -> str:
    """What the upstream received as a credential, echoed back into every field it controls."""
    return request.headers.get("x-api-key") or request.headers.get("authorization") or ""


def _reply(request: RecordedRequest) -> Reply:
    echo = _echo(request)
    headers = {"request-id": f"req_{echo}"}
    prompt = str(request.body)
    if "deny" in prompt:
        return Reply(fault="http", status=401, error_message=f"{PAD} {echo}", headers=headers)
    if "break" in prompt:
        return Reply(text="partial answer here", fault="error_event", after=2, error_type=f"api_error {echo}",
                     error_message=f"{PAD} {echo}", headers=headers)
    usage = ({"input_tokens": echo, "output_tokens": 3} if request.wire == "anthropic"
             else {"prompt_tokens": echo, "completion_tokens": echo, "total_tokens": 3})
    return Reply(text="A fine answer.", stop_reason=echo, usage=usage, headers=headers)


PROMPTS = ("please answer", "please deny", "please break")


def _planted(text: str | bytes) -> list[str]:
    """Which planted secrets (or pieces of them) `text` holds."""
    data = text.encode() if isinstance(text, str) else text
    basic = base64.b64encode(f"alice:{PASSWORD}".encode())
    found = [s for s in (KEY, KEY[:16], KEY[-16:], PASSWORD, PASSWORD[:14], "alice:") if s.encode() in data]
    return found + (["basic auth"] if basic in data else [])


@pytest.fixture
def hostile(fake_model: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> FakeModelServer:
    fake_model.respond = _reply
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_model.openai_url.replace("://", f"://alice:{PASSWORD}@"))
    return fake_model


async def test_a_planted_key_is_found_nowhere(api: Api, hostile: FakeModelServer, vibe_home: Path,
                                              tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: dict[str, Any] = {}
    models = {"anthropic": "anthropic:claude-sonnet-4-5", "openai": "openai:gpt-4o-mini"}
    # -- the CLI, text and --json ---------------------------------------------------------
    for wire, model in models.items():
        for prompt in PROMPTS:
            for json_flag in ([], ["--json"]):
                result = run_cli("ask", *json_flag, "--model", model, "--project", f"cli-{wire}", prompt)
                seen[f"cli {wire} {prompt} {json_flag}"] = result.stdout + result.stderr
    # -- the server: SSE events of POST stream ------------------------------------------------
    for wire, model in models.items():
        for prompt in PROMPTS:
            answer = await api("POST", "stream", {"prompt": prompt, "model": model, "project": f"srv-{wire}"})
            assert answer.status == 200
            events = sse(answer.body)
            assert events[-1][0] in ("complete", "error")
            seen[f"sse {wire} {prompt}"] = answer.body
    # -- exports: the route and the CLI ----------------------------------------------------------
    for name in ("cli-anthropic", "cli-openai", "srv-anthropic", "srv-openai"):
        exported = await api("GET", f"projects/{name}/export.ipynb")
        assert exported.status == 200
        seen[f"export route {name}"] = exported.body
        target = tmp_path / f"{name}.ipynb"
        result = run_cli("projects", "export", name, "--to", str(target))
        assert result.returncode == 0, result.stderr
        seen[f"export cli {name}"] = target.read_bytes() + (result.stdout + result.stderr).encode()
        seen[f"project {name}"] = (await api("GET", f"projects/{name}")).body
    seen["auth status"] = (await api("GET", "auth/status")).body
    # -- the store, as raw bytes, with its WAL (the server still holds it open) -----------------
    files = sorted(vibe_home.glob("vibing2.db*"))
    assert any(f.name.endswith("-wal") for f in files), files
    for path in files:
        seen[f"store {path.name}"] = path.read_bytes()
    # -- logs ---------------------------------------------------------------------------------
    seen["logs"] = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)

    # The failures really happened, carried the key, and the hostile fields really arrived.
    assert all(KEY in _echo(r) or "Basic" in _echo(r) for r in hostile.requests)
    cli = seen["cli anthropic please deny ['--json']"]
    assert "rejected the API key" in cli and "HTTP 401" in cli
    assert "sent an error after 2 tokens" in str(seen["sse openai please break"])
    assert b"req_" in seen["sse anthropic please answer"]  # the request id is kept, redacted
    leaks = {where: found for where, text in seen.items() if (found := _planted(text))}
    assert leaks == {}


def test_userinfo_is_stripped_from_shown_urls(hostile: FakeModelServer) -> None:
    """A connection failure names the base URL: without its user:password part."""
    env = {**os.environ, "OPENAI_BASE_URL": f"http://alice:{PASSWORD}@127.0.0.1:9/v1"}
    result = run_cli("ask", "--model", "openai:gpt-4o-mini", "hello", env=env)
    assert result.returncode != 0 and "127.0.0.1:9" in result.stderr
    assert _planted(result.stdout + result.stderr) == []
