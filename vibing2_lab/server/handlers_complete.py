"""`POST complete`: one inline completion streamed as server-sent events; `GET complete`: status.

    event: start   {model, fill, max_lines}        at once, before the model is asked
    event: token   {text}                          more of the continuation (any number)
    event: done    {text, model, status, cached, kind?, message?, hint?}   always last

A bad body is answered before the stream starts, as a JSON 4xx (413 beyond the size
limit). When the client leaves (the editor moved on), the upstream call is cancelled.
The rules (limits, prompting, trimming, cache) live in vibing2_lab.completion.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from .base import ApiError, VibeHandler
from .sse_out import EventWriter, frame

if TYPE_CHECKING:
    from ..completion import Plan
    from ..config import Settings
    from ..providers import Cancel

_SSE = "text/event-stream; charset=utf-8"


class CompleteHandler(VibeHandler):
    """Inline completions for the editor (the labextension's completion provider)."""

    _writer: EventWriter | None = None

    @web.authenticated
    @authorized
    async def get(self) -> None:
        status = await self.blocking(self.app.completer.status, self.vibe_settings())
        self.write_json(status)

    @web.authenticated
    @authorized
    async def post(self) -> None:
        from ..completion import MAX_BODY_BYTES, ask_from
        from ..providers import Cancel

        if len(self.request.body) > MAX_BODY_BYTES:
            raise ApiError(413, f"The completion request is {len(self.request.body):,} bytes, more than "
                                f"{MAX_BODY_BYTES:,}.", hint="Send only the cells near the cursor.")
        app, settings = self.app, self.vibe_settings()
        plan = app.completer.plan(ask_from(self.json_body()), settings)
        if app.allowed_models:  # the same rule as POST stream (session/ask.py)
            from ..session.ask import check_allowed

            check_allowed([str(plan.model)], list(app.allowed_models), settings)
        if app.completions_live >= app.max_concurrent_streams:
            raise ApiError(429, "Too many completions are running on this server.", hint="Retry in a moment.")
        cancel = Cancel()
        app.completions_live += 1
        try:
            await self._stream(plan, settings, cancel)
        finally:
            app.completions_live -= 1

    async def _stream(self, plan: Plan, settings: Settings, cancel: Cancel) -> None:
        from ..completion import Finished

        self.set_header("Content-Type", _SSE)
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")
        writer = self._writer = EventWriter(self, on_gone=cancel.stop)
        beat = asyncio.ensure_future(writer.heartbeat(self.app.heartbeat_interval))
        try:
            writer.send(frame("start", {"model": str(plan.model), "fill": plan.fill, "max_lines": plan.max_lines}))
            async with aclosing(self.app.completer.stream(plan, settings=settings, cancel=cancel)) as pieces:
                async for piece in pieces:
                    if isinstance(piece, Finished):
                        writer.send(frame("done", piece.to_dict()))
                    else:
                        writer.send(frame("token", {"text": piece.text}))
                    await writer.backpressure()
            await writer.drain()
        finally:
            beat.cancel()
        try:
            await self.finish(set_content_type=_SSE)
        except StreamClosedError:
            pass

    def on_connection_close(self) -> None:
        if self._writer is not None:
            self._writer.mark_gone()
        super().on_connection_close()


ROUTES: list[tuple[str, type[VibeHandler]]] = [("complete", CompleteHandler)]
