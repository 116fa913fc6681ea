"""A configured API key pasted into a prompt, the system text or an agent file is redacted
before it is stored, recorded or sent (keys.redact_keys, called once by the Session): checked
in the store, the notebook record, the request body the fake model server received, and the
server's stream; the user is told."""

from __future__ import annotations

import json
import logging

import pytest

from tests.conftest import PLANTED_KEY
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.keys import REDACTED, configured_keys, redact_keys
from vibing2_lab.session import Ask, Session
from vibing2_lab.store import Store

OTHER_KEY = "ollama-secret-token-9f8e7d6c5b4a"  # a third provider's, from the keychain


@pytest.fixture
def keys(fake_model: FakeModelServer, monkeypatch: pytest.MonkeyPatch, memory_keyring, vibe_home) -> None:
    """anthropic's key from the environment, openai's and a local server's from the keychain
    (stored as `vibing2-lab login` stores them)."""
    from vibing2_lab.keys import store_key

    monkeypatch.setenv("ANTHROPIC_API_KEY", PLANTED_KEY)
    monkeypatch.delenv("OPENAI_API_KEY")
    store_key("openai", "sk-proj-openai-fake-kc-7f3a9e21")
    store_key("ollama", OTHER_KEY)
    (vibe_home / "config.yaml").write_text(json.dumps(
        {"providers": {"ollama": {"base_url": fake_model.openai_url, "wire": "openai"}}}))


def secrets_in(text: str) -> list[str]:
    return [k for k in (PLANTED_KEY, "sk-proj-openai-fake-kc-7f3a9e21", OTHER_KEY, PLANTED_KEY[:20])
            if k in text]


def test_a_pasted_key_reaches_neither_store_record_nor_model(keys: None, fake_model: FakeModelServer,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    fake_model.enqueue(Reply(text="I will not repeat it."))
    prompt = (f"my key is {PLANTED_KEY} and openai's sk-proj-openai-fake-kc-7f3a9e21, "
              f"ollama's {OTHER_KEY}; a placeholder sk-ant-xxxxxxxxxxxx stays")
    session = Session(Ask(prompt, project="demo", system=f"never say {OTHER_KEY}"))
    list(session.stream())
    body = json.dumps(fake_model.requests[0].body)
    assert secrets_in(body) == [] and body.count(REDACTED) == 4
    assert "a placeholder sk-ant-xxxxxxxxxxxx stays" in body  # only configured keys are taken out
    record = json.dumps(session.record())
    assert secrets_in(record) == [] and REDACTED in record
    stored = Store.open().get_project("demo")
    assert secrets_in(json.dumps([m.content for m in stored.messages])) == []
    assert stored.messages[0].content == (f"my key is {REDACTED} and openai's {REDACTED}, ollama's {REDACTED};"
                                          " a placeholder sk-ant-xxxxxxxxxxxx stays")
    assert session.notices == [
        "The prompt held a configured API key (3x): it was replaced by [redacted] before anything was stored or "
        "sent. Revoke that key if the text went anywhere else.",
        "The system text held a configured API key (1x): it was replaced by [redacted] before anything was "
        "stored or sent. Revoke that key if the text went anywhere else."]
    assert [r.getMessage() for r in caplog.records if r.name == "vibing2_lab.session"] == session.notices
    assert all(secrets_in(r.getMessage()) == [] for r in caplog.records)


def test_a_key_in_an_agent_file_is_not_sent(keys: None, fake_model: FakeModelServer, tmp_path) -> None:
    agents = tmp_path / ".vibe" / "agents"
    agents.mkdir(parents=True)
    (agents / "leaky.md").write_text(f"---\nname: leaky\ndescription: d\n---\nUse the key {PLANTED_KEY}.\n")
    fake_model.enqueue(Reply(text="ok"))
    session = Session(Ask("hi", project="demo", agent="leaky", project_dir=tmp_path))
    list(session.stream())
    assert fake_model.requests[0].body["system"] == f"Use the key {REDACTED}."
    assert secrets_in(json.dumps(session.record())) == []
    assert "The agent file" in session.notices[0] and "leaky.md held a configured API key (1x)" in session.notices[0]


def test_redact_keys_is_the_one_rule(keys: None) -> None:
    found = configured_keys(["anthropic", "openai", "ollama", "nobody"])
    assert len(found) == 3
    assert redact_keys(f"a {PLANTED_KEY[:30]}… cut", found) == (f"a {REDACTED}… cut", 1)  # a piece of one too
    assert redact_keys("nothing here, sk-ant-example-not-configured", found) == (
        "nothing here, sk-ant-example-not-configured", 0)
    assert redact_keys("anything", ()) == ("anything", 0)


def test_the_keychain_is_asked_only_for_providers_that_keep_a_key_there(tmp_path) -> None:
    """In a fresh process whose key is in the environment, redaction does not import keyring and
    ask the keychain for every other provider (~80 ms of CPU per CLI answer, a keychain query
    per provider per ask in a kernel)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "ANTHROPIC_API_KEY": PLANTED_KEY, "VIBING2_LAB_HOME": str(tmp_path)}
    env.pop("OPENAI_API_KEY", None)
    code = ("import sys; from vibing2_lab.keys import configured_keys; "
            "print(len(configured_keys(['anthropic', 'openai', 'ollama'])), 'keyring' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "False"]


def test_a_key_put_in_the_keychain_by_hand_is_redacted_once_a_request_has_read_it(memory_keyring, vibe_home,
                                                                                   monkeypatch) -> None:
    from vibing2_lab.keys import delete_key, find_key, store_key

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    memory_keyring.set_password("vibing2-lab", "openai", "sk-proj-byhand-fake-4b2c")
    assert configured_keys(["openai"]) == ()  # not known to be there: not asked
    assert find_key("openai").value == "sk-proj-byhand-fake-4b2c"  # a request reads it ...
    assert configured_keys(["openai"]) == ("sk-proj-byhand-fake-4b2c",)  # ... and from then on
    assert delete_key("openai") and configured_keys(["openai"]) == ()
    store_key("openai", "sk-proj-login-fake-9d1e")
    assert configured_keys(["openai"]) == ("sk-proj-login-fake-9d1e",)

