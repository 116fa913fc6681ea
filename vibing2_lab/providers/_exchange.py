"""One streaming exchange with a model API as a pure state machine, shared by the sync and the async I/O loops.

The loops in base.py only move bytes; everything else happens here: decoding SSE into
StreamEvents (through the provider's wire), deciding whether a failure is retried, and
turning every way a call can end into exactly one CompleteEvent or ErrorEvent that keeps
the partial text, usage and timings. Each method is a step the loop calls:

    begin()                         a new attempt (fresh decoder and wire state)
    on_headers(h) / feed(chunk)     a 2xx response streams in; feed returns the new events (and
                                    ends the answer after `progress_timeout` s of keep-alives only)
    flush()                         the body ended: the events of a last event left pending
    end()                           the stream ended (cleanly or not)
    http_error(status, h, body)     a non-2xx answer          } an ErrorEvent, or None when a
    exception(exc)                  a network or wire failure } retry is due (`retry_delay`)
    cancelled()                     the user stopped the call
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from ..errors import (AuthError, CancelledError, ProtocolError, ProviderError, ServerError, StreamTimeoutError,
                      VibeError)
from ..events import CompleteEvent, ErrorEvent, StreamEvent, Timings, ToolUseEvent, Usage, tool_use
from ..keys import ApiKey, Redactor
from ..log_redaction import remember_secrets
from ..log_text import logger
from .sse import EventTooLarge, ServerSentEvent, SSEDecoder
from . import _retry
from ._failures import BY_ERROR_TYPE, BY_STATUS, auth_error, error_body, hint_for, network_error, not_a_stream
from ._values import one_line

log = logger("vibing2_lab.providers")


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
    progress_timeout: float  # seconds without answer content (keep-alives do not count)
    key: ApiKey | None = None
    secrets: tuple[str, ...] = ()  # credentials written into the base URL (user:password)
    auth: str | None = None  # the Authorization header those credentials make (httpx's Basic auth)


class Wire(Protocol):
    """A provider's stream format: turns each SSE event into StreamEvents appended to `out`."""

    def handle(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None: ...


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
        self.media_type: str | None = None  # the 2xx body's content-type, when it is not text/event-stream
        self.final: StreamEvent | None = None  # set by the I/O loop when it yields the final event
        # The progress bound: no timer per token. A chunk that completes events only sets
        # `progressed` (wires set it too for a tool call's input, which streams without events);
        # a chunk that completes none (a keep-alive) reads the clock. So the bound holds within
        # one gap between chunks, which the idle timeout bounds.
        self.progressed = False
        self.progress_at = self.t0

    # -- the happy path ------------------------------------------------------
    def begin(self) -> None:
        """Start an attempt: fresh decoder and wire state."""
        self.retry_delay = None
        self.finished = self.complete_at_eof = False
        self.failure = self.media_type = None
        self.decoder = SSEDecoder()
        self.wire = self._make_wire(self)
        self.progressed, self.progress_at = False, self._clock()

    def end_attempt(self) -> None:
        """The attempt's I/O is over: let go of its wire. The wire refers back to this Exchange;
        without this, every answer left a cycle (the exchange, its provider, settings, events)
        that only the cycle collector frees, and its full collections pause the server's loop."""
        self.wire = None  # type: ignore[assignment]

    def on_headers(self, headers: Mapping[str, str]) -> None:
        """A 2xx response arrived. A JSON body means the server ignored `stream: true`, an HTML
        one is a web page (a wrong base URL, a proxy's login page): the call ends now. Another
        type is read anyway (some servers mislabel their streams) and named if no answer came."""
        self._request_id(headers)
        media = headers.get("content-type", "").partition(";")[0].strip().lower()  # case-insensitive
        self.media_type = None if media == "text/event-stream" else self.clean.bounded(media, 80)
        what = not_a_stream(media)
        if what is not None:
            self.failure = ProtocolError(f"{self.endpoint.provider} answered with {what} instead of an event stream.",
                                         hint=self._hint("protocol"))
            self.finished = True

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        """Decode a chunk of the body; returns the StreamEvents it completed."""
        out = self._dispatch(self.decoder.feed, chunk)
        if out:
            self.progressed = True
            if not self.emitted:
                self.emitted = True
                self.ttft = self._clock() - self.t0
        elif not self.finished:
            self._keep_alive()
        return out

    def _keep_alive(self) -> None:
        """A chunk without answer content: end the answer once there was none for progress_timeout s."""
        now = self._clock()
        if self.progressed:
            self.progressed, self.progress_at = False, now
        elif now - self.progress_at >= self.endpoint.progress_timeout:
            limit = self.endpoint.progress_timeout
            self.failure, self.finished = StreamTimeoutError(
                f"{self.endpoint.provider} sent no answer content for {limit:g} s (timeouts.progress), only "
                f"keep-alives, after {len(self.parts)} tokens.", hint=self._hint("progress")), True

    def flush(self) -> list[StreamEvent]:
        """The body ended: the events of a complete event still pending (no blank line after it)."""
        if self.finished or not self.decoder.pending:
            return []
        return self._dispatch(lambda _: self.decoder.flush(), b"")

    def _dispatch(self, decode: Callable[[bytes], list[ServerSentEvent]], chunk: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        handle = self.wire.handle
        try:
            try:
                events, too_large = decode(chunk), None
            except EventTooLarge as exc:  # the events before it are still the answer's
                events, too_large = exc.events, exc
            for sse in events:
                handle(sse, out)
                if self.finished:  # the answer ended: whatever the same read holds after it is not part of it
                    return out
            if too_large is not None:
                raise ProtocolError(
                    f"{self.endpoint.provider} sent a stream event of more than {too_large.limit / 2 ** 20:g} MiB "
                    f"(no end of its line or event) after {len(self.parts)} tokens.", hint=self._hint("protocol"))
        except ProviderError as exc:  # a wire-level failure (error event, bad JSON): the end
            self.failure, self.finished = exc, True
        except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
            # An event of the wrong shape (a list where an object belongs, JSON nested past
            # the parser's depth, ...): upstream's fault.
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
        # A body of another type may never have been a stream: say what it was.
        note = "" if self.media_type is None else (
            f" (its content-type was {self.media_type or 'missing'}, not text/event-stream)")
        return self.fail(ProtocolError(
            f"The {self.endpoint.provider} stream ended with {what} after {len(self.parts)} tokens{note}.",
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
        etype, detail = error_body(body)
        etype, detail = self.clean.bounded(etype, 80), self.clean.bounded(detail, 200)  # redact, then cut
        cls = BY_STATUS.get(status) or BY_ERROR_TYPE.get(etype or "") or (
            ServerError if status >= 500 else ProviderError)
        what = f"HTTP {status}{' ' + etype if etype else ''}{': ' + detail if detail else ''}"
        hint = cls.kind
        if 300 <= status < 400:  # never followed: the key would go wherever the upstream names
            where = self.clean.bounded(headers.get("location"), 200)
            what, hint = f"{what} (a redirect{' to ' + where if where else ''}, not followed)", "redirect"
        if cls is AuthError:
            error: ProviderError = auth_error(self.endpoint, what)
        else:
            error = cls(f"{self.endpoint.provider} answered {what}.", hint=self._hint(hint))
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
        cls = BY_ERROR_TYPE.get(etype or "", ServerError)
        etype, message = self.clean.bounded(etype, 80), self.clean.bounded(message, 200) or ""
        what = f"{etype}: {message}" if etype else message
        return cls(f"{self.endpoint.provider} sent an error after {len(self.parts)} tokens: {what}.",
                   hint=self._hint(cls.kind))

    def bad_json(self, data: str) -> ProtocolError:
        """The error for a stream event whose data is not the JSON it must be."""
        return ProtocolError(f"{self.endpoint.provider} sent a malformed stream event after {len(self.parts)} "
                             f"tokens: {one_line(self.clean(data), 80)!r}.", hint=self._hint("protocol"))

    def tool_use(self, tid: Any, name: Any, raw: str) -> ToolUseEvent:
        """The ToolUseEvent for a tool call the model made from its input JSON (events.tool_use);
        its id and name pass the redaction."""
        return tool_use(self.clean.bounded(tid) or "", self.clean.bounded(name) or "", raw)

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

    def _network_error(self, exc: BaseException) -> tuple[ProviderError, bool]:
        return network_error(self.endpoint, exc, tokens=len(self.parts), clean=self.clean)

    def _hint(self, kind: str) -> str:
        return hint_for(self.endpoint, kind)

    def _timings(self) -> Timings:
        return Timings(ttft=self.ttft, duration=self._clock() - self.t0)
