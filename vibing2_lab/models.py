"""Model ids: `provider:model`, aliases, the default, and performance tiers.

    resolve_model("anthropic:claude-sonnet-4-5", settings=s)  -> anthropic:claude-sonnet-4-5
    resolve_model("sonnet", settings=s)                       -> via settings.aliases
    resolve_model("openai:llama3.1:8b", settings=s)           -> provider openai, model llama3.1:8b
    resolve_model("claude-haiku-4-5", settings=s)             -> a bare name: anthropic for claude-*,
                                                                 else the OpenAI-compatible provider
    resolve_model(None, settings=s, tier="fast")              -> settings.tiers["fast"], resolved
    resolve_model(None, settings=s)                           -> settings.default_model, resolved
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    from .config import Settings

_MAX_ALIAS_DEPTH = 8  # aliases may point at aliases; a loop must end with an error


@dataclass(frozen=True)
class ModelRef:
    """A provider name and the provider-native model name; `str()` gives "provider:model"."""

    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


def known_providers(settings: Settings) -> list[str]:
    """Provider names a model id may start with."""
    return sorted(settings.providers)


def resolve_model(spec: str | None, *, settings: Settings, tier: str | None = None) -> ModelRef:
    """Turn a model spec (id, alias, bare name or None) into a ModelRef; ConfigError if it can't."""
    if spec is None or not spec.strip():
        spec = _tier_spec(tier, settings) if tier else settings.default_model
    spec = spec.strip()
    seen = [spec]
    while spec in settings.aliases:
        spec = settings.aliases[spec].strip()
        seen.append(spec)
        if len(seen) > _MAX_ALIAS_DEPTH:
            raise ConfigError(f"Model aliases loop: {' -> '.join(seen)}.",
                              hint="Fix `aliases` in config.yaml so each alias ends at provider:model.")
    return _parse(spec, settings)


def _tier_spec(tier: str, settings: Settings) -> str:
    try:
        return settings.tiers[tier]
    except KeyError:
        raise ConfigError(f"Unknown performance tier {tier!r}.",
                          hint=f"Known tiers: {', '.join(sorted(settings.tiers))} (config.yaml `tiers`).") from None


def _parse(spec: str, settings: Settings) -> ModelRef:
    providers = known_providers(settings)
    provider, colon, model = spec.partition(":")
    if not colon:
        # A bare model name: Claude models are Anthropic's; anything else is served by an
        # OpenAI-compatible endpoint (OpenAI itself, Ollama, LM Studio, vLLM).
        guess = "anthropic" if spec.startswith("claude") else "openai"
        if guess not in settings.providers:
            raise ConfigError(f"Model {spec!r} names no provider.",
                              hint=f"Write it as provider:model; known providers: {', '.join(providers)}.")
        return ModelRef(guess, spec)
    if provider not in providers:
        raise ConfigError(
            f"Unknown provider {provider!r} in model {spec!r}.",
            hint=f"Known providers: {', '.join(providers)}; aliases: {', '.join(sorted(settings.aliases))}.",
        )
    if not model:
        raise ConfigError(f"Model {spec!r} has no model name after the colon.",
                          hint=f"For example {provider}:{_example(provider, settings)}.")
    return ModelRef(provider, model)


def _example(provider: str, settings: Settings) -> str:
    for target in settings.aliases.values():
        if target.startswith(provider + ":"):
            return target.split(":", 1)[1]
    return "MODEL"
