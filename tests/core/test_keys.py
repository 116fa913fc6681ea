"""Key lookup order, a missing keychain, and a planted key that must never leak."""

from __future__ import annotations

import logging

import keyring
import pytest
from keyring.backends import fail

from tests.conftest import PLANTED_KEY
from tests.core.conftest import ask
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab import keys
from vibing2_lab.config import Settings
from vibing2_lab.errors import ConfigError, KeyMissingError
from vibing2_lab.events import to_dict
from vibing2_lab.providers import error_from_event


@pytest.fixture
def no_keychain() -> None:
    """keyring as on headless Linux: every call raises NoKeyringError (restored by memory_keyring)."""
    keyring.set_keyring(fail.Keyring())


def test_lookup_order_argument_then_environment_then_keychain(memory_keyring, monkeypatch: pytest.MonkeyPatch) -> None:
    assert keys.find_key("anthropic") is None
    memory_keyring.set_password("vibing2-lab", "anthropic", "from-keychain")
    assert keys.find_key("anthropic") == keys.ApiKey("from-keychain", "OS keychain (service vibing2-lab)")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    assert keys.find_key("anthropic") == keys.ApiKey("from-env", "environment variable ANTHROPIC_API_KEY")
    assert keys.find_key("anthropic", api_key="from-arg") == keys.ApiKey("from-arg", "argument")


def test_keychain_username_is_the_provider(memory_keyring) -> None:
    memory_keyring.set_password("vibing2-lab", "openai", "sk-openai-keychain")
    assert keys.find_key("anthropic") is None
    found = keys.find_key("openai")
    assert found is not None and found.value == "sk-openai-keychain"


def test_blank_values_do_not_count(memory_keyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "  ")
    memory_keyring.set_password("vibing2-lab", "anthropic", " k-with-spaces \n")
    assert keys.find_key("anthropic", api_key="") == keys.ApiKey("k-with-spaces", keys.KEYCHAIN)


def test_no_keychain_backend_is_not_found_not_an_error(no_keychain: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert keys.find_key("anthropic") is None
    with pytest.raises(KeyMissingError) as info:
        keys.require_key("anthropic")
    assert "ANTHROPIC_API_KEY" in info.value.hint and "vibing2-lab login" in info.value.hint
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-still-works")
    assert keys.require_key("anthropic").value == "env-still-works"


def test_storing_without_a_keychain_is_a_clear_error(no_keychain: None) -> None:
    with pytest.raises(ConfigError) as info:
        keys.store_key("anthropic", "sk-ant-something")
    assert "No OS keychain" in info.value.message and "ANTHROPIC_API_KEY" in info.value.hint


def test_store_and_delete(memory_keyring) -> None:
    assert "MemoryKeyring" in keys.store_key("openai", "  sk-stored\n")
    assert memory_keyring.get_password("vibing2-lab", "openai") == "sk-stored"
    assert keys.delete_key("openai") and not keys.delete_key("openai")


def test_custom_provider_env_var() -> None:
    assert keys.env_var("my-llm") == "MY_LLM_API_KEY" and keys.env_var("openai") == "OPENAI_API_KEY"


def test_api_key_never_shows_its_value() -> None:
    key = keys.ApiKey(PLANTED_KEY, "argument")
    assert PLANTED_KEY not in repr(key) and PLANTED_KEY not in str(key) and PLANTED_KEY not in f"{key!r} {key}"


def test_redact() -> None:
    assert keys.redact(f"bad key {PLANTED_KEY}!", PLANTED_KEY) == "bad key [redacted]!"
    assert keys.redact("Incorrect API key provided: sk-proj-abc*********************xyz1.") == \
        "Incorrect API key provided: [redacted]"


def test_redactor_knows_the_exact_key_and_its_pieces() -> None:
    key = "vibe-planted-7f3e9a1c5b2d8e4f6a0b9c8d"  # not shaped like sk-...
    clean = keys.Redactor(key)
    assert clean(f"req_{key}") == "req_[redacted]"
    assert clean(f"Bearer {key[:20]}... was refused") == "Bearer [redacted] was refused"  # an echoed piece
    assert clean(f"{key[-14:]} at the end") == "[redacted] at the end"
    assert clean("ordinary words and ids like req_0123456789abcdef stay") == \
        "ordinary words and ids like req_0123456789abcdef stay"


def test_redaction_runs_before_the_cut() -> None:
    """D2: 170 characters, a space, the key; cut at 200 after redaction, no piece survives."""
    key = "vibe-planted-7f3e9a1c5b2d8e4f6a0b9c8d"
    text = keys.Redactor(key).bounded("p" * 170 + " " + key, 200)
    assert text is not None and text.endswith("[redacted]") and key[:8] not in text


def test_url_credentials() -> None:
    url = "http://alice:PASSW0RD@host:8080/v1"
    assert keys.public_url(url) == "http://host:8080/v1"
    assert keys.public_url("https://api.example.com/v1") == "https://api.example.com/v1"
    secrets = keys.url_secrets(url)
    assert "PASSW0RD" in secrets and "YWxpY2U6UEFTU1cwUkQ=" in secrets  # also as httpx's Basic auth
    assert keys.Redactor(*secrets)(f"failed: {url} (PASSW0RD)") == "failed: http://host:8080/v1 ([redacted])"


# -- the planted key, through every failure path ---------------------------------------
LEAKY_REPLIES = {
    "401 echoing the key": Reply(fault="http", status=401, error_message=f"Incorrect API key provided: {PLANTED_KEY}"),
    "403": Reply(fault="http", status=403),
    "429 exhausted": Reply(fault="http", status=429, error_message=f"slow down {PLANTED_KEY}"),
    "error event echoing the key": Reply(text="a b", fault="error_event", after=1, error_type="api_error",
                                         error_message=f"key {PLANTED_KEY} is over quota"),
    "stall": Reply(text="a b", fault="stall", after=1),
    "malformed": Reply(text="a b", fault="malformed", after=1),
    "drop": Reply(text="a b", fault="drop", after=1),
    "ok": Reply(text="fine"),
}


@pytest.mark.parametrize("source", ["environment", "keychain", "argument"])
@pytest.mark.parametrize("wire", ["anthropic", "openai"])
def test_planted_key_never_leaks(fake_model: FakeModelServer, settings: Settings, memory_keyring,
                                 monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                 source: str, wire: str) -> None:
    from vibing2_lab.providers import get_provider

    env = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}[wire]
    monkeypatch.delenv(env)
    if source == "environment":
        monkeypatch.setenv(env, PLANTED_KEY)
    elif source == "keychain":
        memory_keyring.set_password("vibing2-lab", wire, PLANTED_KEY)
    settings.retries.max = 1
    settings.timeouts.idle = 0.3
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    for name, reply in LEAKY_REPLIES.items():
        fake_model.default = reply
        provider = get_provider(wire, settings=settings, api_key=PLANTED_KEY if source == "argument" else None)
        assert PLANTED_KEY not in repr(provider.__dict__)  # the provider keeps no key
        for event in provider.stream(ask()):
            texts.append(repr(event))
            texts.append(str(to_dict(event)))
            if event.type == "error":
                texts.append(str(error_from_event(event)))
                texts.append(repr(error_from_event(event).__dict__))
    assert any("rejected the API key" in t for t in texts)  # the failures did happen ...
    assert fake_model.requests and all(PLANTED_KEY in str(r.headers) for r in fake_model.requests)  # ... with the key
    records = [r.getMessage() + str(r.args) + str(r.exc_info) for r in caplog.records]
    assert any("retry" in r for r in records)
    for text in texts + records:
        assert PLANTED_KEY not in text
