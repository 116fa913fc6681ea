"""auth/status, auth/key (store, forget, no keychain) and stats; no key ever comes back out."""

from __future__ import annotations

from typing import Iterator

import keyring
import pytest

from tests.conftest import PLANTED_KEY
from tests.server.conftest import Api, sse
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.keys import KEYCHAIN, SERVICE


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {row["name"]: row for row in rows}


async def test_status_without_any_key(api: Api) -> None:
    answer = await api("GET", "auth/status")
    assert answer.status == 200
    rows = by_name(answer.json["providers"])
    assert {"anthropic", "openai"} <= set(rows)
    assert answer.json["any_key"] is False
    assert rows["anthropic"] == {**rows["anthropic"], "has_key": False, "source": None, "key_required": True,
                                 "env_var": "ANTHROPIC_API_KEY"}
    assert rows["openai"]["key_required"] is False  # Ollama & co. need none
    assert "OPENAI_BASE_URL" in answer.json["hint"]


async def test_store_report_and_forget_a_key(api: Api, memory_keyring: object) -> None:
    stored = await api("POST", "auth/key", {"provider": "anthropic", "key": PLANTED_KEY})
    assert stored.status == 201 and stored.json["stored"] is True
    assert keyring.get_password(SERVICE, "anthropic") == PLANTED_KEY
    status = await api("GET", "auth/status")
    assert by_name(status.json["providers"])["anthropic"]["source"] == KEYCHAIN
    assert status.json["any_key"] is True
    for answer in (stored, status):
        assert PLANTED_KEY.encode() not in answer.body

    forgotten = await api("DELETE", "auth/key", params={"provider": "anthropic"})
    assert forgotten.json == {"provider": "anthropic", "deleted": True}
    assert keyring.get_password(SERVICE, "anthropic") is None
    again = await api("DELETE", "auth/key", {"provider": "anthropic"})
    assert again.json["deleted"] is False


async def test_environment_key_is_reported_by_its_source_only(api: Api, fake_model: FakeModelServer) -> None:
    answer = await api("GET", "auth/status")
    row = by_name(answer.json["providers"])["anthropic"]
    assert row["source"] == "environment variable ANTHROPIC_API_KEY"
    assert row["base_url"] == fake_model.url
    assert b"sk-ant-fake-test-key" not in answer.body


async def test_credentials_in_a_base_url_are_not_shown(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://user:s3cret@localhost:11434/v1")
    answer = await api("GET", "auth/status")
    assert by_name(answer.json["providers"])["openai"]["base_url"] == "http://localhost:11434/v1"
    assert b"s3cret" not in answer.body


@pytest.fixture
def no_keychain() -> Iterator[None]:
    from keyring.backends.fail import Keyring as FailKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    yield
    keyring.set_keyring(previous)


async def test_no_keychain_backend_is_a_clear_400(api: Api, no_keychain: None) -> None:
    answer = await api("POST", "auth/key", {"provider": "anthropic", "key": PLANTED_KEY})
    assert answer.status == 400
    assert answer.error["kind"] == "config"
    assert "No OS keychain" in answer.error["message"] and "ANTHROPIC_API_KEY" in answer.error["hint"]
    assert PLANTED_KEY.encode() not in answer.body


@pytest.mark.parametrize("body", [{"provider": "anthropic"}, {"provider": "nope", "key": "k"},
                                  {"provider": "anthropic", "key": "   "}, {"key": 5}])
async def test_key_bad_input(api: Api, body: dict) -> None:
    answer = await api("POST", "auth/key", body)
    assert answer.status == 400, answer.body
    assert keyring.get_password(SERVICE, "anthropic") is None


async def test_stats_after_a_stream(api: Api, fake_model: FakeModelServer) -> None:
    assert (await api("GET", "stats")).json == {"by": ["agent", "model"], "rows": []}
    fake_model.enqueue(Reply(text="one two three"))
    events = sse((await api("POST", "stream", {"prompt": "count", "project": "stats"})).body)
    assert events[-1][0] == "complete"
    rows = (await api("GET", "stats")).json["rows"]
    assert len(rows) == 1
    assert (rows[0]["model"], rows[0]["runs"], rows[0]["output_tokens"]) == ("claude-sonnet-4-5", 1, 3)
    by_project = await api("GET", "stats", params={"by": "project", "project": "stats"})
    assert by_project.json["rows"][0]["project"] == "stats"
    assert (await api("GET", "stats", params={"by": "colour"})).status == 400
    assert (await api("GET", "stats", params={"project": "missing"})).status == 404
