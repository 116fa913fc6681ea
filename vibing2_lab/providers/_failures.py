"""How a failed exchange is named: error classes by status and by error type, the hints,
reading an error body, the table of network exceptions, and the errors built from them
for an endpoint (a refused key, a network failure). Pure data and parsing, no I/O."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable

from ..errors import (AuthError, ConnectError, OverloadedError, ProtocolError, ProviderError, RateLimitError,
                      ServerError, StreamTimeoutError)

from ..keys import env_var, sources
from ..log_text import logger
from ._values import exception_detail, one_line

if TYPE_CHECKING:
    from ._exchange import Endpoint

log = logger("vibing2_lab.providers")

BY_ERROR_TYPE: dict[str, type[ProviderError]] = {  # the `type` in a provider's error body
    "authentication_error": AuthError, "permission_error": AuthError, "invalid_api_key": AuthError,
    "rate_limit_error": RateLimitError, "rate_limit_exceeded": RateLimitError, "insufficient_quota": RateLimitError,
    "overloaded_error": OverloadedError, "api_error": ServerError, "server_error": ServerError,
    "timeout_error": StreamTimeoutError,
}
BY_STATUS: dict[int, type[ProviderError]] = {
    401: AuthError, 403: AuthError, 408: StreamTimeoutError, 409: ServerError, 429: RateLimitError,
    529: OverloadedError,
}
HINTS: dict[str, str] = {
    "rate_limit": "Wait a minute and try again, or lower providers.{provider}.rate_limit_rpm in config.yaml.",
    "overloaded": "The model is busy: try again in a moment, or pick another model with --model.",
    "server": "The provider had a problem on its side: try again in a moment.",
    "timeout": "Try again; if answers really pause this long, raise timeouts.idle in config.yaml "
               "or VIBING2_LAB_IDLE_TIMEOUT.",
    "progress": "The server kept the connection alive but sent no answer: try again later; if the model "
                "really works this long before it writes, raise timeouts.progress in config.yaml "
                "or VIBING2_LAB_PROGRESS_TIMEOUT.",
    "connect": "Check the network and the base URL ({base_url}; providers.{provider}.base_url in config.yaml).",
    "protocol": "Check that the base URL ({base_url}) points at an API speaking the {wire} format.",
    "provider": "Check the model name and the request against the provider's message.",
    "redirect": "If you trust the address it names, make it the base URL "
                "(providers.{provider}.base_url in config.yaml; now {base_url}).",
    "cancelled": "",
}


def not_a_stream(media_type: str) -> str | None:
    """What a 2xx body of this (lower-case) media type is, when it cannot be an event stream."""
    if media_type == "application/json" or media_type.endswith("+json"):
        return "JSON"
    if media_type in ("text/html", "application/xhtml+xml"):
        return f"an HTML page ({media_type})"
    return None


# What is read of an error body (both I/O paths read no more: one that never ends cannot hold the
# call) and parsed as JSON; its message is cut after redaction.
MAX_ERROR_BODY = 64 * 1024


def error_body(body: bytes) -> tuple[str | None, str]:
    """(error type, message) from an error body in the Anthropic, OpenAI or Ollama shape, uncut:
    the caller redacts before it shortens."""
    body = body[:MAX_ERROR_BODY]
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, body.decode("utf-8", "replace")
    err = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(err, dict):
        etype = err.get("type") or err.get("code")
        return (str(etype) if etype else None), str(err.get("message", ""))
    return None, str(err)


# (error, retried?, message, hint kind) for each kind of network failure, whichever library saw it
FAILURES: dict[str, tuple[type[ProviderError], bool, str, str]] = {
    # An idle timeout is not retried: a stalled stream should end with a clear error now,
    # not after max-retries more stalls. Connection failures are retried before the first token.
    "idle": (StreamTimeoutError, False,
             "{provider} sent nothing for {idle:g} s (idle timeout) after {tokens} tokens.", "timeout"),
    "connect_timeout": (StreamTimeoutError, True,
                        "Connecting to {provider} at {base_url} timed out after {connect:g} s.", "connect"),
    "timeout": (StreamTimeoutError, True, "{provider} timed out: {detail}.", "timeout"),
    "bad_url": (ConnectError, False, "The {provider} base URL {base_url!r} is not an http(s) URL.", "connect"),
    "unreachable": (ConnectError, True, "Could not reach {provider} at {base_url}: {detail}.", "connect"),
    # A content-encoding (gzip, ...) whose bytes do not decode: upstream's fault, not the network's.
    "bad_encoding": (ProtocolError, False,
                     "{provider} sent a body that does not decode after {tokens} tokens: {detail}.", "protocol"),
    "lost": (ConnectError, True,  # dropped, reset, truncated
             "The connection to {provider} was lost after {tokens} tokens: {detail}.", "server"),
}


def network_table() -> list[tuple[type[BaseException], type[ProviderError], bool, str, str]]:
    """(exception, error, retried?, message, hint kind) - first match wins, so subclasses come first.
    The libraries' exceptions are named only when the library is loaded (it raised them)."""
    import sys

    kinds: list[tuple[type[BaseException], str]] = []
    if "vibing2_lab.providers._aionet" in sys.modules:  # the async path (aiohttp) ran
        import aiohttp
        from aiohttp.http_exceptions import ContentEncodingError  # _aionet unwraps it from its ClientPayloadError

        kinds += [(ContentEncodingError, "bad_encoding"),
                  (aiohttp.SocketTimeoutError, "idle"), (aiohttp.ConnectionTimeoutError, "connect_timeout"),
                  (aiohttp.InvalidURL, "bad_url"), (aiohttp.NonHttpUrlClientError, "bad_url"),
                  (aiohttp.ClientConnectorError, "unreachable"),
                  (aiohttp.ClientError, "lost")]
    if "httpx" in sys.modules:
        import httpx

        kinds += [(httpx.DecodingError, "bad_encoding"),
                  (httpx.ReadTimeout, "idle"), (httpx.ConnectTimeout, "connect_timeout"),
                  (httpx.TimeoutException, "timeout"), (httpx.UnsupportedProtocol, "bad_url"),
                  (httpx.ConnectError, "unreachable"), (httpx.TransportError, "lost")]
    if "asyncio" in sys.modules:  # on 3.10 asyncio's TimeoutError is not the builtin one
        kinds.append((sys.modules["asyncio"].TimeoutError, "timeout"))
    kinds += [(TimeoutError, "timeout"), (OSError, "lost")]
    return [(exc, *FAILURES[kind]) for exc, kind in kinds]


def hint_for(endpoint: Endpoint, kind: str) -> str:
    """The hint of an error kind, with the endpoint's provider, base URL and wire filled in."""
    return HINTS.get(kind, "").format(provider=endpoint.provider, base_url=endpoint.base_url, wire=endpoint.wire)


def auth_error(endpoint: Endpoint, what: str) -> AuthError:
    """The error for a refused request (401/403): no key sent, or which key was rejected."""
    p, key = endpoint.provider, endpoint.key
    login = f"`vibing2-lab login --provider {p}`"
    if key is None:
        return AuthError(f"{p} refused the request: no API key was sent (none in {sources(p)}) ({what}).",
                         hint=f"Set {env_var(p)} or run {login}.")
    first = " (it is read before the keychain)" if key.source.startswith("environment") else ""
    return AuthError(f"{p} rejected the API key read from {key.source} ({what}).",
                     hint=f"Check that key{first}, or store a new one with {login}.")


def network_error(endpoint: Endpoint, exc: BaseException, *, tokens: int,
                  clean: Callable[[str], str]) -> tuple[ProviderError, bool]:
    """The error for a network-level exception after `tokens` tokens, and whether it may be
    retried; `clean` redacts (an exception's text can quote upstream data)."""
    facts = {"provider": endpoint.provider, "base_url": endpoint.base_url, "idle": endpoint.idle_timeout,
             "connect": endpoint.connect_timeout, "tokens": tokens, "detail": one_line(clean(exception_detail(exc)))}
    for cls, error, retryable, message, hint in network_table():
        if isinstance(exc, cls):
            return error(message.format(**facts), hint=hint_for(endpoint, hint)), retryable
    import traceback

    # The traceback goes through the redaction too.
    log.error("unexpected failure while streaming from %s:\n%s", endpoint.provider,
              clean("".join(traceback.format_exception(exc))))
    return ProtocolError("Unexpected {0} while streaming from {provider}: {detail}.".format(
        type(exc).__name__, **facts), hint="This is a bug in vibing2-lab; please report it."), False
