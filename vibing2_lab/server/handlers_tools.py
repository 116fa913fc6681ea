"""The answers a sidebar sends to a tool-using stream's questions (see tool_channel.py).

    POST stream/{id}/consent    {request_id, verdict: "once" | "chat" | "deny", reason?}
    POST stream/{id}/notebook   {request_id, result: {ok: true, ...} | {ok: false, error}}

Both are authenticated and XSRF-checked like every route (APIHandler); the stream id is
unguessable, so only the client of a stream can answer it. An answer to nothing waiting
(answered already, timed out, stream ended) is a 404 and changes nothing.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import ApiError, VibeHandler
from .body import REQUIRED, fields

NoneType = type(None)
MAX_REASON_CHARS = 2_000


class _AnswerHandler(VibeHandler):
    kind = ""
    schema: dict[str, tuple[Any, Any]] = {}

    def _deliver(self, stream_id: str, reply: dict[str, Any]) -> None:
        live = self.app.streams.get(stream_id)
        if live.channel is None:
            raise ApiError(404, f"Stream {stream_id!r} asks no questions (its agents have no tools).",
                           kind="unknown_request", hint="Only a tool-using stream has consent and notebook questions.")
        live.channel.answer(self.kind, reply.pop("request_id"), reply)
        self.write_json({"stream_id": stream_id, "answered": True})


class ConsentHandler(_AnswerHandler):
    kind = "consent"
    schema = {"request_id": (str, REQUIRED), "verdict": (str, REQUIRED), "reason": ((str, NoneType), None)}

    @web.authenticated
    @authorized
    async def post(self, stream_id: str) -> None:
        body = fields(await self.json_body(), self.schema)
        if body["verdict"] not in ("once", "chat", "deny"):
            raise ApiError(400, f"verdict must be once, chat or deny, not {body['verdict']!r}.", kind="bad_request",
                           hint='Send {"request_id": "...", "verdict": "once"}.')
        body["reason"] = (body["reason"] or "")[:MAX_REASON_CHARS]
        self._deliver(stream_id, body)


class NotebookAnswerHandler(_AnswerHandler):
    kind = "notebook_request"
    schema = {"request_id": (str, REQUIRED), "result": (dict, REQUIRED)}

    @web.authenticated
    @authorized
    async def post(self, stream_id: str) -> None:
        self._deliver(stream_id, fields(await self.json_body(), self.schema))


ROUTES: list[tuple[str, type[VibeHandler]]] = [
    ("stream/(?P<stream_id>[^/]+)/consent", ConsentHandler),
    ("stream/(?P<stream_id>[^/]+)/notebook", NotebookAnswerHandler),
]
