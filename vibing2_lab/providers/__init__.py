"""Model providers: one streaming interface over Anthropic and OpenAI-compatible APIs.

    from vibing2_lab.providers import Cancel, ModelRequest, get_provider

    provider = get_provider("anthropic")                      # settings from config.yaml + env
    request = ModelRequest(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "hi"}])
    for event in provider.stream(request, cancel=Cancel()):   # or: async for ... in provider.astream(...)
        ...   # TokenEvent / ToolUseEvent ..., then one CompleteEvent or ErrorEvent

The stream never raises for runtime failures; `error_from_event(event)` turns a final
ErrorEvent into the matching errors.py exception when an adapter wants to raise.
Importing this package is cheap: httpx is imported on the first request.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ..errors import ConfigError, ProviderError, VibeError
from ..events import ErrorEvent
from .base import Cancel, ModelRequest, Provider, StreamInterrupted

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["Cancel", "ModelRequest", "Provider", "StreamInterrupted", "error_from_event", "get_provider",
           "prompt_request", "WIRE_PROVIDERS"]

# wire format -> implementation; a configured provider uses the one its wire names
WIRE_PROVIDERS: dict[str, str] = {
    "anthropic": "vibing2_lab.providers.anthropic:AnthropicProvider",
    "openai": "vibing2_lab.providers.openai_compat:OpenAIProvider",
}


def get_provider(name: str, *, settings: Settings | None = None, api_key: str | None = None) -> Provider:
    """The provider called `name`; ConfigError naming the known ones if there is none."""
    if settings is None:
        from ..config import load_settings

        settings = load_settings()
    # Every provider is an HTTP endpoint speaking one of the wires; replay is not a provider
    # name but a mode (the Session wraps the live provider in notebook.replay.ReplayProvider).
    if name not in settings.providers:
        known = sorted(settings.providers)
        raise ConfigError(f"Unknown provider {name!r}.",
                          hint=f"Known providers: {', '.join(known)} (add more under `providers` in config.yaml).")
    module, _, cls = WIRE_PROVIDERS[settings.wire(name)].partition(":")
    return getattr(importlib.import_module(module), cls)(name, settings=settings, api_key=api_key)


def _error_classes() -> dict[str, type[VibeError]]:
    found: dict[str, type[VibeError]] = {}
    todo: list[type[VibeError]] = [VibeError]
    while todo:
        cls = todo.pop()
        found.setdefault(cls.kind, cls)
        todo.extend(cls.__subclasses__())
    return found


def error_from_event(event: ErrorEvent) -> VibeError:
    """The errors.py exception for a final ErrorEvent: its `kind`'s class, message and hint.

    Provider failures give a ProviderError subclass carrying `partial_text` and
    `request_id`; a missing key gives KeyMissingError, a bad setting ConfigError.
    """
    cls = _error_classes().get(event.kind, ProviderError)
    if issubclass(cls, ProviderError):
        return cls(event.message, hint=event.hint, partial_text=event.partial_text, request_id=event.request_id)
    return cls(event.message, hint=event.hint)


def prompt_request(prompt: str, *, model: str, settings: Settings, system: str | None = None,
                   history: list[dict[str, str]] | None = None, max_tokens: int | None = None,
                   temperature: float | None = None) -> ModelRequest:
    """A ModelRequest for one user prompt after `history`, with the settings' defaults.

    InputError when the prompt is empty or larger than settings.max_prompt_bytes.
    """
    from ..session.ask import check_prompt  # the rule lives with the other ask rules

    check_prompt(prompt, settings)
    messages = [*(history or []), {"role": "user", "content": prompt}]
    return ModelRequest(model=model, messages=messages, system=system,
                        max_tokens=max_tokens or settings.max_tokens,
                        temperature=settings.temperature if temperature is None else temperature)
