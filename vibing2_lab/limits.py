"""The bounds of model settings, in one place: config.yaml (config_file.py), every ask whatever
its adapter (session/ask.py: `%%vibe` options, `vibing2-lab ask` flags, POST stream bodies, the
MCP server) and model names wherever they come from (models.py) are checked against these.

    temperature     0..2 (OpenAI's range); a provider on the Anthropic wire takes 0..1
    max_tokens      1..2**31-1 (a 32-bit int: upstream JSON schemas refuse larger)
    a model name    at most 256 characters, no control or format character (the notebook
                    record's rule: a newline would end an exported `%%vibe` line)
    tool calls      at most 256 in one model request, 10,000 in one answer (its record's steps:
                    10,000 requests); the live loop stops at them, a record beyond them is refused

Each check raises the error class it is given (ConfigError for config.yaml, InputError for an
ask's own options), its message naming where the value came from.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import VibeError

MAX_TOKENS = 2 ** 31 - 1
MAX_TEMPERATURE = 2.0
TEMPERATURE_BY_WIRE = {"anthropic": 1.0}
MAX_MODEL_NAME = 256
MAX_TOOL_CALLS_PER_STEP = 256  # parallel tool calls of one request: models make a few, rarely dozens
MAX_TOOL_CALLS = 10_000  # in one answer, over all its requests
MAX_STEPS = 10_000  # model requests recorded for one answer (record.schema.json's steps maxItems)


def max_temperature(wire: str | None) -> float:
    """The largest temperature a provider of this wire takes."""
    return TEMPERATURE_BY_WIRE.get(wire or "", MAX_TEMPERATURE)


def check_temperature(value: float, where: str, error: type[VibeError], *, wire: str | None = None,
                      provider: str | None = None) -> float:
    """`value` if it is a finite number in the provider's range (any provider's without `wire`)."""
    top = max_temperature(wire)
    if not math.isfinite(value) or not 0 <= value <= top:
        whose = f"{provider}'s range" if provider else "the range providers take"
        raise error(f"{where} is {value!r}, outside {whose}: 0 to {top:g}.",
                    hint=f"Use a value from 0 to {top:g}, or leave it out to use the provider's default.")
    return value


def check_max_tokens(value: int, where: str, error: type[VibeError]) -> int:
    """`value` if it is a whole number from 1 to MAX_TOKENS."""
    if not 1 <= value <= MAX_TOKENS:
        raise error(f"{where} is {value:,}; it must be from 1 to {MAX_TOKENS:,}.",
                    hint="Leave it out to use the configured default (max_tokens in config.yaml).")
    return value


def check_model_name(name: Any, where: str, error: type[VibeError]) -> str:
    """`name` if it is a model name (or provider:model spec) a record and a terminal can hold."""
    from .store.rows import unprintable

    if not isinstance(name, str):
        raise error(f"{where} must be text, not {type(name).__name__}.", hint="Write it as provider:model.")
    if len(name) > MAX_MODEL_NAME:
        raise error(f"{where} is {len(name):,} characters long; a model name has at most {MAX_MODEL_NAME}.",
                    hint="Write it as provider:model, e.g. anthropic:claude-sonnet-4-5.")
    bad = unprintable(name)
    if bad:
        raise error(f"{where} {name!r} contains control characters ({bad}).",
                    hint="Write it as provider:model, with letters, digits and punctuation only.")
    return name
