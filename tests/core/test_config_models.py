"""config.yaml validation and model ids (provider:model, aliases, tiers, the default)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.conftest import ask
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.config import Settings, load_settings
from vibing2_lab.errors import ConfigError, InputError
from vibing2_lab.events import CompleteEvent
from vibing2_lab.models import ModelRef, resolve_model
from vibing2_lab.providers import get_provider, prompt_request


def write_config(home: Path, text: str) -> Path:
    path = home / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, named", [
    ("default_modle: sonnet\n", "'default_modle'"),
    ("timeouts: {connect: 5, idel: 3}\n", "'idel'"),
    ("providers: {anthropic: {base_url: http://x, rpm: 3}}\n", "'rpm'"),
    ("retries: {max: 2, backoff: 1}\n", "'backoff'"),
    ("prices: {m: {input: 1, outptu: 2}}\n", "'outptu'"),
])
def test_unknown_key_is_an_error_naming_it(vibe_home: Path, text: str, named: str) -> None:
    write_config(vibe_home, text)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert named in info.value.message and "config.yaml" in info.value.message
    assert "Known keys" in info.value.hint


@pytest.mark.parametrize("text, where", [
    ("timeouts: {idle: soon}\n", "timeouts.idle"),
    ("timeouts: {idle: -1}\n", "timeouts.idle"),
    ("retries: {max: 2.5}\n", "retries.max"),
    ("max_tokens: many\n", "max_tokens"),
    ("providers: {anthropic: {rate_limit_rpm: fast}}\n", "providers.anthropic.rate_limit_rpm"),
    ("providers: {local: {wire: openai}}\n", "base_url"),
    ("providers: {local: {base_url: 'http://x', wire: grpc}}\n", "providers.local.wire"),
    ("aliases: {fast: 3}\n", "aliases.fast"),
])
def test_bad_values_are_errors_naming_the_key(vibe_home: Path, text: str, where: str) -> None:
    write_config(vibe_home, text)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert where in info.value.message


def test_valid_config_is_applied(vibe_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(vibe_home, """
default_model: llama
aliases: {mine: "local:qwen2.5:7b"}
tiers: {fast: mine}
providers:
  local: {base_url: "http://127.0.0.1:11434/v1/", rate_limit_rpm: 0}
  anthropic: {api_version: "2024-01-01"}
timeouts: {connect: 3, idle: 20}
retries: {max: 1}
temperature: 0.2
""")
    monkeypatch.setenv("VIBING2_LAB_IDLE_TIMEOUT", "7")
    s = load_settings()
    assert s.providers["local"].base_url == "http://127.0.0.1:11434/v1" and s.wire("local") == "openai"
    assert s.providers["anthropic"].api_version == "2024-01-01"
    assert s.providers["anthropic"].base_url == "https://api.anthropic.com"  # merged, not replaced
    assert (s.timeouts.connect, s.timeouts.idle, s.retries.max, s.temperature) == (3.0, 7.0, 1, 0.2)
    assert resolve_model(None, settings=s, tier="fast") == ModelRef("local", "qwen2.5:7b")
    assert str(resolve_model(None, settings=s)) == "openai:llama3.1"


def test_an_edited_config_is_read_again_and_callers_cannot_change_the_cached_one(vibe_home: Path) -> None:
    """load_settings parses config.yaml only when its stat changes (the server loads settings per
    request): an edit of the same size is still seen, and a caller mutating what it got does not
    leak into the next load."""
    import os

    path = write_config(vibe_home, "default_model: sonnet\naliases: {fast: haiku}\n")
    first = load_settings()
    assert first.default_model == "sonnet"
    first.aliases["fast"] = "changed-by-a-caller"
    assert load_settings().aliases["fast"] == "haiku"
    st = path.stat()
    path.write_text("default_model: opus12\naliases: {fast: haiku}\n", encoding="utf-8")  # same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime (ctime still moves)
    assert path.stat().st_size == st.st_size
    assert load_settings().default_model == "opus12"
    path.write_text("default_model: [not, a, model]\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_settings()
    path.unlink()
    assert load_settings().default_model != "opus12"


def test_idle_timeout_env_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBING2_LAB_IDLE_TIMEOUT", "0")
    with pytest.raises(ConfigError):
        load_settings()


@pytest.mark.parametrize("spec, expected", [
    ("anthropic:claude-sonnet-4-5", "anthropic:claude-sonnet-4-5"),
    ("openai:llama3.1:8b", "openai:llama3.1:8b"),   # the model keeps its own colons
    ("sonnet", "anthropic:claude-sonnet-4-5"),
    ("llama", "openai:llama3.1"),
    ("claude-haiku-4-5", "anthropic:claude-haiku-4-5"),  # bare names: claude-* is Anthropic's
    ("gpt-4o", "openai:gpt-4o"),
    (None, "anthropic:claude-sonnet-4-5"),
    ("  ", "anthropic:claude-sonnet-4-5"),
])
def test_resolve_model(spec: str | None, expected: str) -> None:
    assert str(resolve_model(spec, settings=Settings())) == expected


@pytest.mark.parametrize("tier, expected", [("fast", "claude-haiku-4-5"), ("balanced", "claude-sonnet-4-5"),
                                            ("thorough", "claude-opus-4-1")])
def test_tiers_map_to_models(tier: str, expected: str) -> None:
    assert resolve_model(None, settings=Settings(), tier=tier) == ModelRef("anthropic", expected)
    # an explicit model wins over the tier
    assert resolve_model("gpt", settings=Settings(), tier=tier).provider == "openai"


@pytest.mark.parametrize("spec, tier, message", [
    ("mistral:large", None, "Unknown provider 'mistral'"),
    ("anthropic:", None, "no model name"),
    (None, "ludicrous", "Unknown performance tier"),
])
def test_resolve_model_errors(spec: str | None, tier: str | None, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_model(spec, settings=Settings(), tier=tier)
    assert message in info.value.message
    if "provider" in message:
        assert "anthropic, openai" in info.value.hint


def test_alias_loop_is_an_error() -> None:
    s = Settings()
    s.aliases.update({"a": "b", "b": "a"})
    with pytest.raises(ConfigError, match="loop"):
        resolve_model("a", settings=s)


def test_unknown_provider_in_get_provider() -> None:
    with pytest.raises(ConfigError) as info:
        get_provider("mistral", settings=Settings())
    assert "anthropic, openai" in info.value.hint


def test_extra_openai_compatible_provider_streams(fake_model: FakeModelServer, vibe_home: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(vibe_home, f"providers: {{local: {{base_url: '{fake_model.openai_url}'}}}}\n")
    monkeypatch.setenv("LOCAL_API_KEY", "sk-local-key-123456")
    s = load_settings()
    ref = resolve_model("local:qwen", settings=s)
    fake_model.enqueue(Reply(text="from local"))
    final = list(get_provider(ref.provider, settings=s).stream(ask(model=ref.model)))[-1]
    assert isinstance(final, CompleteEvent) and final.text == "from local" and final.provider == "local"
    assert fake_model.requests[-1].wire == "openai"
    assert fake_model.requests[-1].headers["authorization"] == "Bearer sk-local-key-123456"


def test_prompt_request_defaults_and_limits() -> None:
    s = Settings(max_tokens=123, temperature=0.5, max_prompt_bytes=10)
    req = prompt_request("héllo", model="m", settings=s, history=[{"role": "user", "content": "x"},
                                                               {"role": "assistant", "content": "y"}])
    assert (req.max_tokens, req.temperature, len(req.messages)) == (123, 0.5, 3)
    assert req.messages[-1] == {"role": "user", "content": "héllo"}
    with pytest.raises(InputError, match="max_prompt_bytes"):
        prompt_request("ü" * 6, model="m", settings=s)  # 12 bytes
    with pytest.raises(InputError, match="empty"):
        prompt_request("  ", model="m", settings=s)
