"""One streaming exchange with a model API as a pure state machine, shared by the sync and the async I/O loops.

The loops in base.py only move bytes; everything else happens here: decoding SSE into
StreamEvents (through the provider's wire), deciding whether a failure is retried, and
turning every way a call can end into exactly one CompleteEvent or ErrorEvent that keeps
the partial text, usage and timings. Each method is a step the loop calls:

    begin()                         a new attempt (fresh decoder and wire state)
    on_headers(h) / feed(chunk)     a 2xx response streams in; feed returns the new events
    flush()                         the body ended: the events of a last event left pending
    end()                           the stream ended (cleanly or not)
    http_error(status, h, body)     a non-2xx answer          } an ErrorEvent, or None when a
    exception(exc)                  a network or wire failure } retry is due (`retry_delay`)
    cancelled()                     the user stopped the call
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from ..errors import (AuthError, CancelledError, ConnectError, OverloadedError, ProtocolError, ProviderError,
                      RateLimitError, ServerError, StreamTimeoutError, VibeError)
from ..events import CompleteEvent, ErrorEvent, StreamEvent, Timings, ToolUseEvent, Usage
from ..keys import ApiKey, Redactor, env_var, remember_secrets, sources
from .sse import ServerSentEvent, SSEDecoder
from . import _retry

log = logging.getLogger("vibing2_lab.providers")

_BY_ERROR_TYPE: dict[str, type[ProviderError]] = {  # the `type` in a provider's error body
    "authentication_error": AuthError, "permission_error": AuthError, "invalid_api_key": AuthError,
    "rate_limit_error": RateLimitError, "rate_limit_exceeded": RateLimitError, "insufficient_quota": RateLimitError,
    "overloaded_error": OverloadedError, "api_error": ServerError, "server_error": ServerError,
    "timeout_error": StreamTimeoutError,
}
_BY_STATUS: dict[int, type[ProviderError]] = {
    401: AuthError, 403: AuthError, 408: StreamTimeoutError, 409: ServerError, 429: RateLimitError,
    529: OverloadedError,
}
_HINTS: dict[str, str] = {
    "rate_limit": "Wait a minute and try again, or lower providers.{provider}.rate_limit_rpm in config.yaml.",
    "overloaded": "The model is busy: try again in a moment, or pick another model with --model.",
    "server": "The provider had a problem on its side: try again in a moment.",
    "timeout": "Try again; if answers really pause this long, raise timeouts.idle in config.yaml "
               "or VIBING2_LAB_IDLE_TIMEOUT.",
    "connect": "Check the network and the base URL ({base_url}; providers.{provider}.base_url in config.yaml).",
    "protocol": "Check that the base URL ({base_url}) points at an API speaking the {wire} format.",
    "provider": "Check the model name and the request against the provider's message.",
    "cancelled": "",
}


@dataclass
class Endpoint:
    """Who a call talks to, for requests and for messages."""

    provider: str
    wire: str  # "anthropic" | "openai"
    base_url: str  # both without any user:password part: those go in `secrets` and `auth`
    url: str
    connect_timeout: float
    idle_timeout: float
    max_retries: int
    base_delay: float
    max_delay: float
    key: ApiKey | None = None
    secrets: tuple[str, ...] = ()  # credentials written into the base URL (user:password)
    auth: str | None = None  # the Authorization header those credentials make (httpx's Basic auth)


class Wire(Protocol):
    """A provider's stream format: turns each SSE event into StreamEvents appended to `out`."""

    def handle(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None: ...


_MAX_COUNT = 2 ** 53  # a token count past this is not a count (and would overflow SQLite)


def count(value: Any) -> int | None:
    """A token count from upstream usage, or None when the value is not one."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_COUNT:
        return value
    return None


def one_line(text: str, limit: int = 300) -> str:
    """Whitespace collapsed and length bounded, so an error stays one line."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Exchange:
    """The state of one `stream()` call across its attempts. No I/O."""

    def __init__(self, endpoint: Endpoint, *, model: str, wire: Callable[[Exchange], Wire],
                 headers: dict[str, str], body: bytes, clock: Callable[[], float] = time.perf_counter) -> None:
        self.endpoint = endpoint
        # The one redaction every upstream value (headers, error texts, ids) passes before it
        # is kept: it knows the key this call sends and any password in the base URL.
        secrets = (endpoint.key.value if endpoint.key else None, *endpoint.secrets)
        self.clean = Redactor(*secrets)
        remember_secrets(*secrets)
        self.model = model
        self.headers = headers
        self.body = body
        self._make_wire = wire
        self._clock = clock
        self.t0 = clock()
        self.ttft: float | None = None
        self.parts: list[str] = []  # the answer text so far; wires append to it
        self.usage = Usage()
        self.stop_reason: str | None = None
        self.request_id: str | None = None
        self.attempt = 0  # retries made so far
        self.retry_delay: float | None = None
        self.emitted = False  # something reached the caller: from now on, no retry
        self.finished = False  # the wire saw the end of the answer (or a failure): stop reading
        self.complete_at_eof = False  # the wire saw the answer end; a clean end of body completes it
        self.failure: ProviderError | None = None
        self.final: StreamEvent | None = None  # set by the I/O loop when it yields the final event

    # -- the happy path ------------------------------------------------------
    def begin(self) -> None:
        """Start an attempt: fresh decoder and wire state."""
        self.retry_delay = None
        self.finished = self.complete_at_eof = False
        self.failure = None
        self.decoder = SSEDecoder()
        self.wire = self._make_wire(self)

    def on_headers(self, headers: Mapping[str, str]) -> None:
        """A 2xx response arrived; a JSON body means the server ignored `stream: true`."""
        self._request_id(headers)
        if headers.get("content-type", "").startswith("application/json"):
            self.failure = ProtocolError(
                f"{self.endpoint.provider} answered with JSON instead of an event stream.",
                hint=self._hint("protocol"))
            self.finished = True

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        """Decode a chunk of the body; returns the StreamEvents it completed."""
        out = self._dispatch(self.decoder.feed, chunk)
        if out and not self.emitted:
            self.emitted = True
            self.ttft = self._clock() - self.t0
        return out

    def flush(self) -> list[StreamEvent]:
        """The body ended: the events of a complete event still pending (no blank line after it)."""
        if self.finished or not self.decoder.pending:
            return []
        return self._dispatch(lambda _: self.decoder.flush(), b"")

    def _dispatch(self, decode: Callable[[bytes], list[ServerSentEvent]], chunk: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        handle = self.wire.handle
        try:
            for sse in decode(chunk):
                handle(sse, out)
        except ProviderError as exc:  # a wire-level failure (error event, bad JSON): the end
            self.failure, self.finished = exc, True
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # An event of the wrong shape (a list where an object belongs, ...): upstream's fault.
            self.failure, self.finished = ProtocolError(
                f"{self.endpoint.provider} sent a stream event of an unexpected shape after {len(self.parts)} "
                f"tokens ({type(exc).__name__}: {one_line(self.clean(str(exc)), 120)}).",
                hint=self._hint("protocol")), True
        return out

    def end(self) -> StreamEvent:
        """The body ended (or the wire finished): the final event."""
        if self.failure is not None:
            return self.fail(self.failure)
        if self.finished or self.complete_at_eof:
            return self.complete()
        what = "an unfinished event" if self.decoder.pending else "no end-of-answer event"
        return self.fail(ProtocolError(
            f"The {self.endpoint.provider} stream ended with {what} after {len(self.parts)} tokens.",
            hint=self._hint("protocol")))

    def complete(self) -> CompleteEvent:
        return CompleteEvent(text="".join(self.parts), usage=self.usage,
                             stop_reason=self.clean.bounded(self.stop_reason, 80),
                             request_id=self.request_id, timings=self._timings(),
                             provider=self.endpoint.provider, model=self.model)

    # -- the ways it ends early --------------------------------------------
    def fail(self, error: VibeError) -> ErrorEvent:
        """`error` as the final ErrorEvent, keeping the partial text (never the key)."""
        if self.attempt and isinstance(error, ProviderError):
            note = f" (after {self.attempt} {'retry' if self.attempt == 1 else 'retries'})"
            error.message = error.message[:-1] + note + "." if error.message.endswith(".") else error.message + note
        status = "cancelled" if isinstance(error, CancelledError) else "error"
        # Messages are built from already redacted parts; this pass is the net under them.
        return ErrorEvent(kind=error.kind, message=self.clean(error.message), hint=self.clean(error.hint),
                          partial_text="".join(self.parts), status=status, usage=self.usage,
                          request_id=self.request_id, timings=self._timings(),
                          provider=self.endpoint.provider, model=self.model)

    def cancelled(self) -> ErrorEvent:
        return self.fail(CancelledError(f"Stopped after {len(self.parts)} tokens."))

    def http_error(self, status: int, headers: Mapping[str, str], body: bytes) -> ErrorEvent | None:
        """A non-2xx answer: schedule a retry (None) or the final ErrorEvent."""
        self._request_id(headers)
        etype, detail = _error_body(body)
        etype, detail = self.clean.bounded(etype, 80), self.clean.bounded(detail, 200)  # redact, then cut
        cls = _BY_STATUS.get(status) or _BY_ERROR_TYPE.get(etype or "") or (
            ServerError if status >= 500 else ProviderError)
        what = f"HTTP {status}{' ' + etype if etype else ''}{': ' + detail if detail else ''}"
        if cls is AuthError:
            error: ProviderError = self._auth_error(what)
        else:
            error = cls(f"{self.endpoint.provider} answered {what}.", hint=self._hint(cls.kind))
        error.status_code = status
        if _retry.should_retry(status, headers) and self._retry(what, headers):
            return None
        return self.fail(error)

    def exception(self, exc: BaseException, *, cancelled: bool) -> ErrorEvent | None:
        """A failure raised during the exchange: schedule a retry (None) or the final ErrorEvent."""
        if cancelled:
            return self.cancelled()
        if isinstance(exc, ProviderError):
            return self.fail(exc)
        error, retryable = self._network_error(exc)
        if retryable and self._retry(one_line(type(exc).__name__), {}):
            return None
        return self.fail(error)

    def stream_error(self, etype: str | None, message: str) -> ProviderError:
        """The error for one the server sent inside the stream (`event: error`, an error chunk)."""
        cls = _BY_ERROR_TYPE.get(etype or "", ServerError)
        etype, message = self.clean.bounded(etype, 80), self.clean.bounded(message, 200) or ""
        what = f"{etype}: {message}" if etype else message
        return cls(f"{self.endpoint.provider} sent an error after {len(self.parts)} tokens: {what}.",
                   hint=self._hint(cls.kind))

    def bad_json(self, data: str) -> ProtocolError:
        """The error for a stream event whose data is not the JSON it must be."""
        return ProtocolError(f"{self.endpoint.provider} sent a malformed stream event after {len(self.parts)} "
                             f"tokens: {one_line(self.clean(data), 80)!r}.", hint=self._hint("protocol"))

    def tool_use(self, tid: Any, name: Any, args: Any) -> ToolUseEvent:
        """The ToolUseEvent for a tool call the model made (its id and name pass the redaction)."""
        return ToolUseEvent(id=self.clean.bounded(tid) or "", name=self.clean.bounded(name) or "",
                            input=args if isinstance(args, dict) else {"value": args})

    # -- helpers -------------------------------------------------------------
    def _request_id(self, headers: Mapping[str, str]) -> None:
        raw = headers.get("request-id") or headers.get("x-request-id")
        if raw:
            self.request_id = self.clean.bounded(raw, 200)

    def _retry(self, what: str, headers: Mapping[str, str]) -> bool:
        ep = self.endpoint
        if self.emitted or self.attempt >= ep.max_retries:
            return False
        self.retry_delay = _retry.backoff(self.attempt, base_delay=ep.base_delay, max_delay=ep.max_delay,
                                          headers=headers)
        self.attempt += 1
        log.info("%s: %s; retry %d of %d in %.2f s", ep.provider, self.clean(what), self.attempt,
                 ep.max_retries, self.retry_delay)
        return True

    def _auth_error(self, what: str) -> AuthError:
        p, key = self.endpoint.provider, self.endpoint.key
        login = f"`vibing2-lab login --provider {p}`"
        if key is None:
            return AuthError(f"{p} refused the request: no API key was sent (none in {sources(p)}) ({what}).",
                             hint=f"Set {env_var(p)} or run {login}.")
        first = " (it is read before the keychain)" if key.source.startswith("environment") else ""
        return AuthError(f"{p} rejected the API key read from {key.source} ({what}).",
                         hint=f"Check that key{first}, or store a new one with {login}.")

    def _network_error(self, exc: BaseException) -> tuple[ProviderError, bool]:
        """The error for a network-level exception, and whether it may be retried."""
        ep = self.endpoint
        facts = {"provider": ep.provider, "base_url": ep.base_url, "idle": ep.idle_timeout,
                 "connect": ep.connect_timeout, "tokens": len(self.parts),
                 "detail": one_line(self.clean(str(exc) or type(exc).__name__))}
        for cls, error, retryable, message, hint in _network_table():
            if isinstance(exc, cls):
                return error(message.format(**facts), hint=self._hint(hint)), retryable
        import traceback

        # The traceback goes through the redaction too: an exception's text can quote upstream data.
        log.error("unexpected failure while streaming from %s:\n%s", ep.provider,
                  self.clean("".join(traceback.format_exception(exc))))
        return ProtocolError("Unexpected {0} while streaming from {provider}: {detail}.".format(
            type(exc).__name__, **facts), hint="This is a bug in vibing2-lab; please report it."), False

    def _hint(self, kind: str) -> str:
        ep = self.endpoint
        return _HINTS.get(kind, "").format(provider=ep.provider, base_url=ep.base_url, wire=ep.wire)

    def _timings(self) -> Timings:
        return Timings(ttft=self.ttft, duration=self._clock() - self.t0)


_MAX_ERROR_BODY = 64 * 1024  # an error body past this is not read as JSON (it is cut after redaction)


def _error_body(body: bytes) -> tuple[str | None, str]:
    """(error type, message) from an error body in the Anthropic, OpenAI or Ollama shape, uncut:
    the caller redacts before it shortens."""
    body = body[:_MAX_ERROR_BODY]
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, body.decode("utf-8", "replace")
    err = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(err, dict):
        etype = err.get("type") or err.get("code")
        return (str(etype) if etype else None), str(err.get("message", ""))
    return None, str(err)


def _network_table() -> list[tuple[type[BaseException], type[ProviderError], bool, str, str]]:
    """(exception, error, retried?, message, hint kind) - first match wins, so subclasses come first.

    An idle timeout is not retried: a stalled stream should end with a clear error now,
    not after max-retries more stalls. Connection failures are retried before the first token.
    """
    import httpx

    return [
        (httpx.ReadTimeout, StreamTimeoutError, False,
         "{provider} sent nothing for {idle:g} s (idle timeout) after {tokens} tokens.", "timeout"),
        (httpx.ConnectTimeout, StreamTimeoutError, True,
         "Connecting to {provider} at {base_url} timed out after {connect:g} s.", "connect"),
        (httpx.TimeoutException, StreamTimeoutError, True, "{provider} timed out: {detail}.", "timeout"),
        (httpx.UnsupportedProtocol, ConnectError, False,
         "The {provider} base URL {base_url!r} is not an http(s) URL.", "connect"),
        (httpx.ConnectError, ConnectError, True, "Could not reach {provider} at {base_url}: {detail}.", "connect"),
        (httpx.TransportError, ConnectError, True,  # dropped, reset, truncated
         "The connection to {provider} was lost after {tokens} tokens: {detail}.", "server"),
        (OSError, ConnectError, True, "The connection to {provider} was lost after {tokens} tokens: {detail}.",
         "server"),
    ]
