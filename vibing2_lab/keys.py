"""API keys: an explicit argument, then the environment, then the OS keychain.

The keychain entry is service "vibing2-lab", username = the provider name. A machine
without a keychain backend (headless Linux: keyring's `fail` backend raises
NoKeyringError on every call) simply has no key there. A key is never logged, printed
or put in an error message: `ApiKey` hides its value from `repr()` and `str()`, and
`redact()` scrubs it (and anything shaped like a key) from text that came from outside;
library logs are scrubbed of the keys sent by log_redaction.py.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from .errors import ConfigError, KeyMissingError
from .log_text import logger

SERVICE = "vibing2-lab"
KEYCHAIN = f"OS keychain (service {SERVICE})"
ENV_VARS = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}

log = logger(__name__)

# Provider keys look like sk-..., sk-ant-..., sk-proj-... (servers may echo them masked).
_KEYLIKE = re.compile(r"\bsk-[A-Za-z0-9_\-*.]{8,}")
_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]*@")  # scheme://user:password@
_PIECE = 12  # a run holding this many characters of a known secret in a row is redacted whole
_RUN = re.compile(r"[A-Za-z0-9_\-.~+/=%]{12,}")  # a run of the characters keys and tokens are made of
_MIN_SECRET = 4  # shorter "secrets" would blank ordinary words; a URL's userinfo still goes
REDACTED = "[redacted]"


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


def _env_key(provider: str) -> str:
    import os

    return os.environ.get(env_var(provider), "").strip()


def find_key(provider: str, *, api_key: str | None = None) -> ApiKey | None:
    """The first key found: argument, environment variable, OS keychain; None if none."""
    if api_key and api_key.strip():
        return ApiKey(api_key.strip(), "argument")
    value = _env_key(provider)
    if value:
        return ApiKey(value, f"environment variable {env_var(provider)}")
    value = (_keychain_get(provider) or "").strip()
    if value:
        from . import keychain_index

        keychain_index.note(provider, True)  # a key stored before the index, or by hand: redacted from now on
    return ApiKey(value, KEYCHAIN) if value else None


MAX_KEY_CHARS = 4096  # provider keys are ~100 characters; a proxy's token (a JWT) a few thousand
_HEADER_SAFE = re.compile(r"[\x20-\x7e]*")  # what a header carries as it is: printable ASCII


def check_key(provider: str, value: str, where: str) -> str:
    """`value` if it can be sent in a request header; else ConfigError saying why (never the key).
    A CR, LF or NUL would be refused by the HTTP client as header injection at every call, and a
    non-ASCII character sent as Latin-1 mojibake: both only after a working key was replaced."""
    if len(value) > MAX_KEY_CHARS:
        problem = f"is {len(value):,} characters long (at most {MAX_KEY_CHARS:,})"
    elif not _HEADER_SAFE.fullmatch(value):
        problem = "holds a control character (a line break, a tab, NUL) or a non-ASCII character"
    else:
        return value
    raise ConfigError(f"The {provider} key {where} {problem}: no provider key looks like that.",
                      hint="Copy the key again from the provider's console: only the key, on one line.")


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
    check_key(provider, value, "to store (nothing was stored)")
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    hint = (f"Set {env_var(provider)} in your environment instead, or install a keyring "
            "backend (e.g. `pip install keyrings.alt`).")
    try:
        keyring.set_password(SERVICE, provider, value)
        # Some backends (keyring's null backend) accept a key and keep nothing: read it back.
        kept = keyring.get_password(SERVICE, provider) == value
    except KeyringError as exc:
        raise ConfigError(f"No OS keychain is available to store the {provider} key ({type(exc).__name__}).",
                          hint=hint) from None
    if not kept:
        raise ConfigError(f"The keyring backend {name} did not keep the {provider} key; nothing was stored.",
                          hint=hint)
    from . import keychain_index

    keychain_index.note(provider, True)
    return name


def delete_key(provider: str) -> bool:
    """Remove a provider's key from the OS keychain; False if there was none."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    from . import keychain_index

    try:
        keyring.delete_password(SERVICE, provider)
    except PasswordDeleteError:
        keychain_index.note(provider, False)
        return False
    except KeyringError:
        return False
    keychain_index.note(provider, False)
    return True


class Redactor:
    """Scrubs secrets from text that came from outside, before it is stored, shown or sent.

    It knows the exact secrets a call used (the key it sent, a password in the base URL)
    and also removes anything shaped like a provider key, the user:password part of any
    URL, and every run of key characters that holds 12 characters of a known secret (an upstream
    that echoes part of the key, or text cut in the middle of it). Redact first, then cut:
    a cut made before this runs can leave a piece this no longer recognises as a secret.
    """

    __slots__ = ("_secrets", "_grams", "_shapes")

    def __init__(self, *secrets: str | None, shapes: bool = True) -> None:
        # shapes=False: only the known secrets (their pieces too), not every key-shaped text or
        # URL userinfo: for the user's own text (a prompt may show `sk-...` placeholders on purpose).
        self._shapes = shapes
        found: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET:
                found.update({secret, quote(secret, safe=""), unquote(secret)})
        # Longest first, so a key is replaced whole before any shorter secret inside it.
        self._secrets = tuple(sorted((s for s in found if len(s) >= _MIN_SECRET), key=len, reverse=True))
        self._grams = frozenset(s[i:i + _PIECE] for s in self._secrets for i in range(len(s) - _PIECE + 1))

    def __call__(self, text: str) -> str:
        """`text` with every secret replaced by [redacted]."""
        if not text:
            return text
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        if self._shapes:
            text = _USERINFO.sub(r"\1", text)
        if self._grams:
            text = _RUN.sub(self._piece, text)
        return _KEYLIKE.sub(REDACTED, text) if self._shapes else text

    def _piece(self, match: re.Match[str]) -> str:
        run, grams = match.group(0), self._grams
        hit = any(run[i:i + _PIECE] in grams for i in range(len(run) - _PIECE + 1))
        return REDACTED if hit else run

    def bounded(self, value: object, limit: int = 200) -> str | None:
        """An upstream text value (a header, an id, a stop reason) redacted, then cut to `limit`."""
        if value is None:
            return None
        text = " ".join(self(str(value)).split())
        return text if len(text) <= limit else text[: limit - 1] + "…"


def redact(text: str, *secrets: str | None) -> str:
    """`text` with every given secret, and anything shaped like an API key, replaced."""
    return Redactor(*secrets)(text)


def configured_keys(providers: Iterable[str]) -> tuple[str, ...]:
    """Every API key these providers have configured, for `redact_keys`: the environment's, and
    the keychain's of the providers keychain_index lists (the keychain is not asked for the others:
    see there why)."""
    from . import keychain_index

    in_keychain = keychain_index.listed()
    found = set()
    for name in providers:
        value = _env_key(name)
        if not value and name in in_keychain:
            value = (_keychain_get(name) or "").strip()
        if len(value) >= _MIN_KEY:
            found.add(value)
    return tuple(sorted(found))


_MIN_KEY = 8  # a shorter "key" (a local server's placeholder) would blank ordinary words of a prompt


def redact_keys(text: str, keys: Sequence[str]) -> tuple[str, int]:
    """`text` with each configured key in it (whole, or a 12-character piece of it) replaced by
    [redacted], and how many were: what the user typed or an agent file holds, before it is
    stored, recorded or sent. Key-shaped text that is no configured key is left alone."""
    if not text or not keys:
        return text, 0
    clean = Redactor(*keys, shapes=False)(text)
    return clean, clean.count(REDACTED) - text.count(REDACTED)


def url_secrets(url: str | None) -> tuple[str, ...]:
    """The credentials written into a URL (`http://user:password@host`), to be redacted."""
    if not url or "@" not in url:
        return ()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ()
    userinfo = parts.netloc.rpartition("@")[0]
    user, _, password = userinfo.partition(":")
    # httpx sends a URL's userinfo as Basic auth: an upstream echoing that header leaks it too.
    basic = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    return tuple(s for s in (userinfo, password, basic) if s)


def public_url(url: str) -> str:
    """`url` without its user:password part, for messages, the store and responses."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(r"\1", url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, parts.fragment))
