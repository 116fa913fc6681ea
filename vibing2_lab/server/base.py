"""Shared handler base: Jupyter auth on every verb, one JSON error shape for every failure.

Every error a route answers is `{"error": {"kind", "message", "hint"}}`:
a VibeError raised by the core gets its status from STATUS_BY_KIND, an `ApiError`
carries its own, and tornado's HTTPError (403 from the auth decorators, 404, ...)
is rendered the same way. Handlers therefore just call the core and let errors rise.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from ..errors import VibeError

if TYPE_CHECKING:
    from ..config import Settings
    from ..store import Store
    from .extension import Vibing2Lab

AUTH_RESOURCE = "vibing2_lab"

T = TypeVar("T")

INLINE_BODY_BYTES = 64 * 1024  # bodies up to this size are checked on the loop (a few ms at most)

# The kind of a core error -> the HTTP status it answers with (others: 500).
STATUS_BY_KIND: dict[str, int] = {
    "unknown_agent": 404, "unknown_project": 404, "unknown_file": 404,
    "input": 400, "project": 400, "agent": 400, "config": 400, "key_missing": 400,
    "export": 400, "replay": 400,
    "store": 500,
}

_HTTP_KINDS = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               409: "conflict", 413: "too_large", 429: "busy", 501: "not_implemented"}


class ApiError(web.HTTPError):
    """An HTTP error with the JSON body's kind, message and hint (for server-only failures)."""

    def __init__(self, status: int, message: str, *, kind: str | None = None, hint: str = "") -> None:
        super().__init__(status, reason=None, log_message=message.replace("%", "%%"))
        self.kind = kind or _HTTP_KINDS.get(status, "error")
        self.message = message
        self.hint = hint


def error_body(exc: BaseException | None, status: int) -> tuple[int, dict[str, Any]]:
    """The (status, JSON body) a route answers for `exc`."""
    if isinstance(exc, VibeError):
        status = STATUS_BY_KIND.get(exc.kind, 500)
        kind, message, hint = exc.kind, exc.message, exc.hint
    elif isinstance(exc, ApiError):
        kind, message, hint = exc.kind, exc.message, exc.hint
    elif isinstance(exc, web.HTTPError):
        from http.client import responses

        kind = _HTTP_KINDS.get(exc.status_code, "http")
        message = exc.reason or (exc.log_message % exc.args if exc.log_message else "") \
            or responses.get(exc.status_code, "Error")
        hint = "Log in to Jupyter (or send its token) and retry." if exc.status_code == 403 else ""
    else:  # a bug: say so without leaking internals
        kind, message = "internal", "The vibing2-lab server extension failed unexpectedly."
        hint = "See the Jupyter server log for the traceback, and please report it."
    return status, {"error": {"kind": kind, "message": message, "hint": hint}}


class VibeHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every vibing2-lab route. Verbs must still carry
    `@tornado.web.authenticated` and `@authorized` (a test walks the route table)."""

    auth_resource = AUTH_RESOURCE

    # -- responses ------------------------------------------------------------------
    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data, ensure_ascii=False, default=str))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        status, body = error_body(exc, status_code)
        self.set_status(status)
        self.finish(json.dumps(body, ensure_ascii=False))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # An expected failure (bad input, unknown agent) is the client's news, not a server bug.
        if isinstance(value, (VibeError, ApiError)):
            self.log.info("vibing2-lab %s %s: %s", self.request.method, self.request.path, value)
            return
        super().log_exception(typ, value, tb)

    # -- requests -------------------------------------------------------------------
    async def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object (empty body: {}), or InputError saying why not;
        413 past c.Vibing2Lab.max_body_bytes (tornado has already buffered it, nothing parsed)."""
        from .body import read_json

        raw, limit = self.request.body or b"", self.app.max_body_bytes
        if len(raw) > limit:
            raise ApiError(413, f"The request body is {len(raw):,} bytes, more than the limit of {limit:,}.",
                           hint="Send less (fewer or smaller files), or raise c.Vibing2Lab.max_body_bytes.")
        if len(raw) <= INLINE_BODY_BYTES:
            return read_json(raw)
        # Checking a big body walks every value in Python: off the loop, so other requests go on.
        return await self.blocking(read_json, raw)

    def query_int(self, name: str, default: Any, *, low: int, high: int, what: str, example: str) -> Any:
        """Query argument `name` as a whole number from `low` to `high` (ASCII digits only: "²" and
        "١" pass str.isdigit but are no number int() takes); `default` when absent (REQUIRED: 400)."""
        from ..errors import InputError
        from .body import REQUIRED

        raw = self.get_query_argument(name, None)
        if raw is None and default is REQUIRED:
            raise InputError(f"The query has no {name!r}.", hint=f"Add ?{example} ({what}).")
        if raw is None:
            return default
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18 and low <= int(raw) <= high):
            raise InputError(f"{name}={raw[:20]!r} is not {what} (a whole number from {low} to {high:,}).",
                             hint=f"Use e.g. ?{example}.")
        return int(raw)

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        """A path or query argument as text; bytes that are not UTF-8 are a 400 that says how to send it."""
        from ..errors import InputError

        try:
            return super().decode_argument(value, name)
        except web.HTTPError:
            raise InputError(f"The {name or 'argument'} in the URL is not valid UTF-8: {value[:40]!r}.",
                             hint="Percent-encode the text as UTF-8 (JavaScript's encodeURIComponent does).") from None

    # -- the core ---------------------------------------------------------------------
    @property
    def app(self) -> Vibing2Lab:
        return self.extensionapp  # type: ignore[return-value]

    def vibe_settings(self) -> Settings:
        """config.yaml + environment, then the extension's traits on top."""
        return self.app.settings_for_request()

    def store(self) -> Store:
        """The project store seen by this request's Jupyter user (the identity provider's
        username): their own projects and the shared ones. Shared connection per process;
        opened per request so the data directory follows VIBING2_LAB_HOME."""
        from ..store import Store

        return Store.open(user=self.vibe_user())

    def vibe_user(self) -> str:
        """Who is asking: the identity provider's username (@web.authenticated made sure there is one).

        Jupyter's default provider invents a random name per token request or browser: that is
        no identity, so a plain single-user server is its OS user, like its kernels and the CLI.
        JupyterHub's provider (or any configured one) names real users."""
        from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider

        from ..store.access import current_user

        if type(self.identity_provider) in (IdentityProvider, PasswordIdentityProvider):
            return current_user()
        user = self.current_user
        return str(getattr(user, "username", None) or user)

    async def blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a slower core call (DuckDB stats, a big project) off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, partial(fn, *args, **kwargs))
