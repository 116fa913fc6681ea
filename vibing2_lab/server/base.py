"""Shared handler base: Jupyter auth on every verb, JSON errors that say what is wrong."""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from ..errors import VibeError

AUTH_RESOURCE = "vibing2_lab"


class VibeHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every vibing2-lab route. Verbs must still carry
    `@tornado.web.authenticated` and `@authorized` (a test walks the route table)."""

    auth_resource = AUTH_RESOURCE

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))

    def write_error_json(self, status: int, message: str, *, kind: str = "bad_request", hint: str = "") -> None:
        self.write_json({"error": {"kind": kind, "message": message, "hint": hint}}, status)

    def json_body(self) -> Any:
        """The request body as JSON, or a 400 that says why it is not."""
        from tornado.web import HTTPError

        try:
            return json.loads(self.request.body or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HTTPError(400, reason=f"The request body is not valid JSON: {exc}") from None

    def vibe_error(self, exc: VibeError, status: int = 400) -> None:
        self.write_error_json(status, exc.message, kind=exc.kind, hint=exc.hint)
