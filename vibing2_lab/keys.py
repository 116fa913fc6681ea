"""API keys: an explicit argument, then the environment, then the OS keychain.

The keychain entry is service "vibing2-lab", username = the provider name. A machine
without a keychain backend (headless Linux: keyring's `fail` backend raises
NoKeyringError on every call) simply has no key there. A key is never logged, printed
or put in an error message: `ApiKey` hides its value from `repr()` and `str()`, and
`redact()` scrubs it (and anything shaped like a key) from text that came from outside.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from .errors import ConfigError, KeyMissingError

SERVICE = "vibing2-lab"
KEYCHAIN = f"OS keychain (service {SERVICE})"
ENV_VARS = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}

log = logging.getLogger(__name__)

# Provider keys look like sk-..., sk-ant-..., sk-proj-... (servers may echo them masked).
_KEYLIKE = re.compile(r"\bsk-[A-Za-z0-9_\-*.]{8,}")


@dataclass(frozen=True)
class ApiKey:
    """A key and a description of where it was read from (never shows the key)."""

    value: str = field(repr=False)
    source: str

    def __str__(self) -> str:
        return f"<API key from {self.source}>"


def env_var(provider: str) -> str:
    """The environment variable holding a provider's key (ANTHROPIC_API_KEY, ...)."""
    return ENV_VARS.get(provider) or re.sub(r"[^A-Z0-9]", "_", provider.upper()) + "_API_KEY"


def sources(provider: str) -> str:
    """Where keys are looked up, for messages: 'environment variable X or the OS keychain ...'."""
    return f"environment variable {env_var(provider)} or the {KEYCHAIN}"


def find_key(provider: str, *, api_key: str | None = None) -> ApiKey | None:
    """The first key found: argument, environment variable, OS keychain; None if none."""
    import os

    if api_key and api_key.strip():
        return ApiKey(api_key.strip(), "argument")
    name = env_var(provider)
    value = os.environ.get(name, "").strip()
    if value:
        return ApiKey(value, f"environment variable {name}")
    value = (_keychain_get(provider) or "").strip()
    return ApiKey(value, KEYCHAIN) if value else None


def require_key(provider: str, *, api_key: str | None = None) -> ApiKey:
    """Like `find_key`, but a missing key is a KeyMissingError saying how to add one."""
    key = find_key(provider, api_key=api_key)
    if key is None:
        raise KeyMissingError(
            f"No API key for {provider}: none in {sources(provider)}.",
            hint=f"Set {env_var(provider)} or run `vibing2-lab login --provider {provider}`.",
        )
    return key


def _keychain_get(provider: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, provider)
    except KeyringError as exc:  # no backend (headless Linux) or a locked keychain: not found
        log.debug("no key from the keychain for %s: %s", provider, type(exc).__name__)
        return None


def store_key(provider: str, value: str) -> str:
    """Save a key in the OS keychain; returns the backend's name. ConfigError if there is none."""
    import keyring
    from keyring.errors import KeyringError

    value = value.strip()
    if not value:
        raise ConfigError("The API key is empty; nothing was stored.", hint="Paste the key when asked.")
    try:
        keyring.set_password(SERVICE, provider, value)
    except KeyringError as exc:
        raise ConfigError(
            f"No OS keychain is available to store the {provider} key ({type(exc).__name__}).",
            hint=f"Set {env_var(provider)} in your environment instead, or install a keyring "
                 "backend (e.g. `pip install keyrings.alt`).",
        ) from None
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def delete_key(provider: str) -> bool:
    """Remove a provider's key from the OS keychain; False if there was none."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, provider)
    except PasswordDeleteError:
        return False
    except KeyringError:
        return False
    return True


def redact(text: str, *secrets: str | None) -> str:
    """`text` with every given secret, and anything shaped like an API key, replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEYLIKE.sub("[redacted]", text)
