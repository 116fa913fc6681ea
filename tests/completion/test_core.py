"""The completion core without a server: context limits and budget, config, prompts, the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from vibing2_lab.completion import Cell, CompletionCache, CompletionContext, Completer, ask_from, context_from
from vibing2_lab.completion.context import CELLS_BUDGET, MAX_CELLS, MAX_FIELD_CHARS, PREFIX_BUDGET
from vibing2_lab.completion.prompt import CURSOR, SYSTEM, chat_request, fill_request, uses_fill
from vibing2_lab.config import load_settings
from vibing2_lab.errors import ConfigError, InputError
from vibing2_lab.models import resolve_model


@pytest.mark.parametrize("body, field", [
    ({}, "'prefix'"),
    ({"prefix": 3}, "'prefix'"),
    ({"prefix": "x" * (MAX_FIELD_CHARS + 1)}, "'prefix'"),
    ({"prefix": "", "suffix": "y" * (MAX_FIELD_CHARS + 1)}, "'suffix'"),
    ({"prefix": "", "cells": "import os"}, "'cells'"),
    ({"prefix": "", "cells": [{"source": "a"}] * (MAX_CELLS + 1)}, "'cells'"),
    ({"prefix": "", "cells": [{"source": "a", "html": "<b>"}]}, "cells[0]"),
    ({"prefix": "", "cells": [{"source": None}]}, "cells[0].source"),
    ({"prefix": "", "language": "x" * 100}, "'language'"),
])
def test_bad_context_is_an_input_error_naming_the_field(body: dict, field: str) -> None:
    with pytest.raises(InputError) as info:
        context_from(body)
    assert field in info.value.message and info.value.hint


@pytest.mark.parametrize("body, named", [
    ({"prefix": "", "temperature": 1}, "'temperature'"),
    ({"prefix": "", "max_lines": 0}, "'max_lines'"),
    ({"prefix": "", "max_lines": True}, "'max_lines'"),
    ({"prefix": "", "model": 5}, "'model'"),
])
def test_bad_options_are_input_errors(body: dict, named: str) -> None:
    with pytest.raises(InputError) as info:
        ask_from(body)
    assert named in info.value.message


def test_the_budget_keeps_what_is_nearest_the_cursor() -> None:
    cells = tuple(Cell(f"cell_{n} = {'x' * 990}", "out " * 200) for n in range(100))
    ctx = CompletionContext("p" * 50_000 + "TAIL", "HEAD" + "s" * 50_000, "python", cells).budgeted()
    assert ctx.prefix.endswith("TAIL") and len(ctx.prefix) == PREFIX_BUDGET
    assert ctx.suffix.startswith("HEAD") and len(ctx.suffix) < 2_000
    assert ctx.cells[-1].source.startswith("cell_99") and len(ctx.cells) < 10
    assert sum(len(c.source) + len(c.output) for c in ctx.cells) <= CELLS_BUDGET


def test_config_completion_section(vibe_home: Path) -> None:
    assert load_settings().completion.enabled and load_settings().completion.model is None
    (vibe_home / "config.yaml").write_text(
        "completion: {model: 'openai:qwen2.5-coder:1.5b', max_lines: 3, debounce_ms: 80, enabled: false}\n")
    completion = load_settings().completion
    assert (completion.model, completion.max_lines, completion.debounce_ms, completion.enabled) == \
        ("openai:qwen2.5-coder:1.5b", 3, 80, False)


@pytest.mark.parametrize("text, named", [
    ("completion: {modle: haiku}\n", "'modle'"),
    ("completion: {enabled: yes please}\n", "completion.enabled"),
    ("completion: {max_lines: 0}\n", "completion.max_lines"),
    ("completion: {debounce_ms: -5}\n", "completion.debounce_ms"),
    ("completion: fast\n", "`completion`"),
])
def test_bad_completion_config_is_a_config_error(vibe_home: Path, text: str, named: str) -> None:
    (vibe_home / "config.yaml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert named in info.value.message


def test_fill_in_the_middle_only_for_code_models_on_the_openai_wire(vibe_home: Path) -> None:
    settings = load_settings()
    for spec, fill in [("openai:qwen2.5-coder:1.5b", True), ("openai:codellama:7b-code", True),
                       ("openai:gpt-4o-mini", False), ("anthropic:claude-haiku-4-5", False)]:
        assert uses_fill(resolve_model(spec, settings=settings), settings) is fill, spec


def test_prompts_carry_the_context() -> None:
    settings = load_settings()
    ctx = CompletionContext("df.", "\nprint(df)", "python", (Cell("import pandas as pd", "ok"),))
    chat = chat_request(ctx, model="m", max_lines=4, settings=settings)
    content = chat.messages[-1]["content"]
    assert chat.system == SYSTEM and f"df.{CURSOR}\nprint(df)" in content
    assert "import pandas as pd" in content and "# Out[1]:\nok" in content and "Language: python" in content
    fill = fill_request(ctx, model="m", max_lines=4, settings=settings)
    assert fill.messages[-1]["content"] == "import pandas as pd\n# ok\n\ndf." and fill.suffix == "\nprint(df)"


def test_off_by_config_or_replay(vibe_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    completer = Completer()
    (vibe_home / "config.yaml").write_text("completion: {enabled: false}\n")
    status = completer.status(load_settings())
    assert not status["available"] and "turned off" in status["reason"]
    (vibe_home / "config.yaml").write_text("")
    monkeypatch.setenv("VIBING2_LAB_MODE", "replay")
    assert "replay" in completer.status(load_settings())["reason"]


def test_cache_exact_typed_into_and_bounded() -> None:
    now = [0.0]
    cache = CompletionCache(size=2, ttl=10, clock=lambda: now[0])
    cache.put("k", "def fib(", "n):\n    return n")
    assert cache.get("k", "def fib(") == "n):\n    return n"
    assert cache.get("k", "def fib(n)") == ":\n    return n"  # typed into the ghost text
    assert cache.get("k", "def fib(x") is None and cache.get("other", "def fib(") is None
    assert cache.get("k", "def fib(n):\n    return n") is None  # typed all of it: nothing left
    cache.put("k", "a", "1")
    cache.put("k", "b", "2")
    assert len(cache) == 2 and cache.get("k", "def fib(") is None  # least recently used went
    now[0] = 11
    assert cache.get("k", "a") is None  # expired
