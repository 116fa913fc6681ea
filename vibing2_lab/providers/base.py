"""The provider interface: `ModelRequest` in, StreamEvents out, sync or async; `Cancel` stops it.

A provider subclass says only how to address the API (URL, headers, body) and how to
read its stream (a Wire, see _exchange.py). Retries, backoff, the rate limit, timeouts,
cancellation and error mapping are shared (Exchange); the sync path below does its I/O with
httpx, the async one (the Jupyter server's) with aiohttp in _aionet.py.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator, ClassVar, Iterator

from ..errors import ConfigError, KeyMissingError
from ..events import ErrorEvent, StreamEvent, ToolUseEvent
from ._exchange import Exchange, Endpoint, Wire
from ._cancel import Cancel, StreamInterrupted
from ._failures import MAX_ERROR_BODY
from ._retry import rate_limiter

if TYPE_CHECKING:
    import httpx

    from ..config import Settings
    from ..keys import ApiKey
    from ..tools import ToolStep

__all__ = ["Cancel", "ModelRequest", "Provider", "StreamInterrupted"]


@dataclass
class ModelRequest:
    """What to ask a model: provider-native model name, messages, and sampling options."""

    model: str
    messages: list[dict[str, Any]]  # plain {role, content: str}; tool turns in the provider's own shape
    system: str | None = None
    max_tokens: int = 4096
    temperature: float | None = None
    stop: list[str] | None = None
    tools: list[dict[str, Any]] | None = None  # Tool.definition()s offered: {name, description, input_schema}
    metadata: dict[str, Any] = field(default_factory=dict)  # for the caller; never sent


class Provider:
    """A model API; subclasses fill in `url`, `request_headers`, `request_body` and `new_wire`."""

    wire_name: ClassVar[str]
    key_required: ClassVar[bool] = True

    def __init__(self, name: str, *, settings: Settings, api_key: str | None = None) -> None:
        self.name = name
        self.settings = settings
        self.conf = settings.providers[name]
        from ..keys import ApiKey

        # Kept wrapped: ApiKey's repr never shows the value, so logging a provider is safe.
        self._api_key = ApiKey(api_key, "argument") if api_key else None

    # -- what a subclass provides -------------------------------------------
    def url(self) -> str:
        raise NotImplementedError

    def request_headers(self, key: ApiKey | None) -> dict[str, str]:
        raise NotImplementedError

    def request_body(self, request: ModelRequest) -> dict[str, Any]:
        raise NotImplementedError

    def new_wire(self, call: Exchange) -> Wire:
        raise NotImplementedError

    def tool_turn(self, text: str, uses: list[ToolUseEvent], results: list[ToolStep]) -> list[dict[str, Any]]:
        """The messages that continue a conversation after the model called tools: its own turn
        (text + tool calls) and the results, in this API's shape."""
        raise NotImplementedError

    # -- the stream ----------------------------------------------------------
    def stream(self, request: ModelRequest, *, cancel: Cancel | None = None) -> Iterator[StreamEvent]:
        """Tokens and tool uses as they arrive, then exactly one CompleteEvent or ErrorEvent.

        Runtime failures never raise: they end the stream with an ErrorEvent. A
        KeyboardInterrupt ends the HTTP request and is re-raised as StreamInterrupted,
        whose `.event` is the cancelled ErrorEvent with the partial text.
        """
        call, early = self._new_call(request)
        if early is not None:
            yield early
            return
        cancel = cancel or Cancel()
        try:
            yield from self._stream(call, cancel)
        except KeyboardInterrupt as exc:
            if call.final is not None:
                raise
            raise StreamInterrupted(call.cancelled()) from exc

    def astream(self, request: ModelRequest, *, cancel: Cancel | None = None) -> AsyncIterator[StreamEvent]:
        """`stream()` for asyncio (e.g. the Jupyter server's loop); `cancel.stop()` ends it
        with a cancelled ErrorEvent, while cancelling the task raises CancelledError as usual.
        (An async generator: _aionet.astream, returned as it is, with no layer around it.)"""
        from ._aionet import astream

        return astream(self, request, cancel or Cancel())

    def _new_call(self, request: ModelRequest) -> tuple[Exchange, ErrorEvent | None]:
        from ..keys import check_key, find_key, public_url, require_key, url_secrets

        t, r = self.settings.timeouts, self.settings.retries
        # The URL is requested without its user:password, so that httpx cannot log it; those
        # credentials are sent as the Basic auth httpx would have made of them.
        secrets = url_secrets(self.conf.base_url)
        endpoint = Endpoint(self.name, self.wire_name, public_url(self.conf.base_url), public_url(self.url()),
                            t.connect, t.idle, r.max, r.base_delay, r.max_delay, progress_timeout=t.progress,
                            secrets=secrets,
                            auth=f"Basic {secrets[-1]}" if secrets else None)
        try:
            arg = self._api_key.value if self._api_key else None
            key = (require_key if self.key_required else find_key)(self.name, api_key=arg)
            if key is not None:
                check_key(self.name, key.value, f"from {key.source}")
        except (KeyMissingError, ConfigError) as exc:
            call = Exchange(endpoint, model=request.model, wire=self.new_wire, headers={}, body=b"")
            return call, call.fail(exc)
        endpoint.key = key
        headers = {"content-type": "application/json", "accept": "text/event-stream",
                   **self.request_headers(key)}
        if endpoint.auth:
            headers["authorization"] = endpoint.auth
        body = json.dumps(self.request_body(request), ensure_ascii=False).encode()
        return Exchange(endpoint, model=request.model, wire=self.new_wire, headers=headers, body=body), None

    # -- sync I/O --------------------------------------------------------------
    def _stream(self, call: Exchange, cancel: Cancel) -> Iterator[StreamEvent]:
        from ._net import sync_client

        client = sync_client(self.settings.timeouts)
        limiter = rate_limiter(self.name, self.conf.rate_limit_rpm)
        while True:
            if cancel.wait(limiter.reserve()):
                yield call.cancelled()
                return
            yield from self._attempt(client, call, cancel)
            if call.retry_delay is None:
                return
            if cancel.wait(call.retry_delay):
                yield call.cancelled()
                return

    def _attempt(self, client: httpx.Client, call: Exchange, cancel: Cancel) -> Iterator[StreamEvent]:
        from ._net import CURRENT_GUARD, SocketGuard

        call.begin()
        guard = SocketGuard()
        unhook = cancel.on_stop(guard.stop)
        response = chunks = None
        try:
            try:
                token = CURRENT_GUARD.set(guard)
                try:
                    response = client.send(_build(client, call), stream=True)
                finally:
                    CURRENT_GUARD.reset(token)
                guard.attach(response.extensions.get("network_stream"))
                if response.status_code >= 300:
                    body = _read_some(response.iter_bytes(), MAX_ERROR_BODY, call.endpoint.idle_timeout)
                    final = call.http_error(response.status_code, response.headers, body)
                else:
                    call.on_headers(response.headers)
                    feed, chunks = call.feed, response.iter_bytes()
                    for chunk in chunks:
                        events = feed(chunk)
                        if events:
                            yield from events
                        if call.finished or cancel.stopped:
                            break
                    if not cancel.stopped:
                        yield from call.flush()
                    final = _ending(call, cancel)
            except Exception as exc:  # network and wire failures become the final event
                final = call.exception(exc, cancelled=cancel.stopped)
            if final is not None:
                call.final = final
                yield final
                if final.type == "complete":
                    _drain(chunks, call.endpoint.idle_timeout)
        finally:
            unhook()
            call.end_attempt()
            if response is not None:
                response.close()


def _build(client: httpx.Client, call: Exchange) -> httpx.Request:
    return client.build_request("POST", call.endpoint.url, headers=call.headers, content=call.body)


def _ending(call: Exchange, cancel: Cancel) -> StreamEvent:
    # A finished answer wins over a stop() that came just after it.
    return call.end() if call.finished or not cancel.stopped else call.cancelled()


# What is read of a finished body so that its connection can be pooled: the usual tail (a usage
# chunk, [DONE], the last chunk's framing) is a few hundred bytes. A body that goes on past this,
# or for longer than the idle timeout, is not a tail: its connection is closed instead. (Reading
# it to its end hung a sync call that had its answer when the upstream kept sending.)
DRAIN_BYTES = 64 * 1024


def _drain(chunks: Iterator[bytes] | None, idle: float) -> None:
    """Read the rest of a finished body (DRAIN_BYTES, `idle` s at most) so the connection can go
    back to the pool; response.close() closes one whose body was not read to its end."""
    try:
        _read_some(chunks or iter(()), DRAIN_BYTES, idle)
    except Exception:
        pass


def _read_some(chunks: Iterator[bytes], limit: int, idle: float) -> bytes:
    """Up to `limit` bytes more of a body, read for `idle` s at most (each read has its own
    timeout: this bounds a body that trickles in)."""
    parts: list[bytes] = []
    size, deadline = 0, time.monotonic() + idle
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size >= limit or time.monotonic() > deadline:
            break
    return b"".join(parts)[:limit]
