"""Upper bounds of model settings (vibing2_lab/limits.py) where they enter: config.yaml (a
ConfigError naming the file and key), an ask's options (InputError; the shared table in
tests/session/ask_cases.py runs the same cases through the kernel, the CLI and the server), and
the temperature range of the provider the ask goes to. Before, each value went upstream as sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.config import load_settings
from vibing2_lab.errors import ConfigError, InputError
from vibing2_lab.session import Ask, Session


def write(home: Path, data: dict) -> Path:
    path = home / "config.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("data, message", [
    ({"temperature": 2.5}, "`temperature` is 2.5, outside the range providers take: 0 to 2."),
    ({"max_tokens": 2 ** 31}, "`max_tokens` is 2,147,483,648; it must be from 1 to 2,147,483,647."),
    ({"max_tokens": 10 ** 30}, "`max_tokens` is 1,000,000,000,000,000,000,000,000,000,000; it must be from 1"),
    ({"default_model": "openai:" + "m" * 300}, "`default_model` is 307 characters long; a model name has at most 256."),
    ({"aliases": {"fast": "openai:gpt\nrm -rf"}},
     "`aliases.fast` 'openai:gpt\\nrm -rf' contains control characters ('\\n')."),
    ({"tiers": {"fast": "openai:\u202egpt"}},
     "`tiers.fast` 'openai:\\u202egpt' contains control characters ('\\u202e')."),
    ({"completion": {"model": "x" * 257}}, "`completion.model` is 257 characters long"),
])
def test_config_values_out_of_bounds_name_the_file_and_key(vibe_home: Path, data: dict, message: str) -> None:
    path = write(vibe_home, data)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert err.value.message.startswith(f"{path}: {message}"), err.value.message
    assert err.value.hint


def test_the_edges_are_accepted(vibe_home: Path) -> None:
    write(vibe_home, {"temperature": 2, "max_tokens": 2 ** 31 - 1, "default_model": "openai:" + "m" * 249})
    s = load_settings()
    assert (s.temperature, s.max_tokens, len(s.default_model)) == (2, 2 ** 31 - 1, 256)


def test_the_providers_own_range(fake_model: FakeModelServer, vibe_home: Path) -> None:
    """Anthropic takes 0..1, an OpenAI-compatible provider 0..2; checked before anything is sent."""
    with pytest.raises(InputError, match=r"^The ask's temperature is 1.5, outside anthropic's range: 0 to 1\. "):
        Session(Ask("hi", project="p", temperature=1.5))
    fake_model.enqueue(Reply(text="warm"))
    session = Session(Ask("hi", model="openai:gpt-4o-mini", temperature=1.5))
    assert list(session.stream())[-1].text == "warm"
    assert fake_model.requests[0].body["temperature"] == 1.5
    path = write(vibe_home, {"temperature": 1.5})  # fine in config.yaml, too warm for anthropic
    with pytest.raises(ConfigError, match=rf"^{path}: `temperature` is 1.5, outside anthropic's range: 0 to 1\. "):
        Session(Ask("hi", project="p"))
    assert len(fake_model.requests) == 1
    from vibing2_lab.store import Store

    assert Store.open().list_projects() == []  # refused before the project was made


def test_a_model_name_with_a_terminal_escape_is_refused(fake_model: FakeModelServer, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^The ask's model 'openai:gpt\\x1b\[31m' contains control characters"):
        Session(Ask("hi", model="openai:gpt\x1b[31m"))
    agents = tmp_path / ".vibe" / "agents"
    agents.mkdir(parents=True)
    (agents / "long.md").write_text(f"---\nname: long\ndescription: d\nmodel: openai:{'m' * 300}\n---\nHi.\n")
    with pytest.raises(ConfigError, match=r"^The model of agent long \(.*long.md\) is 307 characters long"):
        Session(Ask("hi", agent="long", project_dir=tmp_path))
    assert fake_model.requests == []
