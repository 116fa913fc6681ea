"""`POST complete`: one inline completion streamed as server-sent events; `GET complete`: status.

    event: start   {model, fill, max_lines}        at once, before the model is asked
    event: token   {text}                          more of the continuation (any number)
    event: done    {text, model, status, cached, kind?, message?, hint?}   always last

A bad body is answered before the stream starts, as a JSON 4xx (413 beyond the size
limit). When the client leaves (the editor moved on), the upstream call is cancelled.
The rules (limits, prompting, trimming, cache) live in vibing2_lab.completion.
"""

from __future__ import annotations

from contextlib import aclosing
from typing import TYPE_CHECKING, AsyncIterator

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import ApiError, VibeHandler
from .sse_frames import frame
from .sse_out import SSEHandler

if TYPE_CHECKING:
    from ..completion import Plan
    from ..config import Settings
    from ..providers import Cancel

class CompleteHandler(SSEHandler):
    """Inline completions for the editor (the labextension's completion provider)."""

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
        plan = app.completer.plan(ask_from(await self.json_body()), settings, allowed=list(app.allowed_models))
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

        async def frames() -> AsyncIterator[bytes]:
            async with aclosing(self.app.completer.stream(plan, settings=settings, cancel=cancel)) as pieces:
                async for piece in pieces:
                    if isinstance(piece, Finished):
                        yield frame("done", piece.to_dict())
                    else:
                        yield frame("token", {"text": piece.text})

        start = frame("start", {"model": str(plan.model), "fill": plan.fill, "max_lines": plan.max_lines})
        await self.send_stream(start, frames(), on_gone=cancel.stop, failed=lambda error: frame(
            "done", {"text": "", "model": str(plan.model), "status": "error", "cached": False, **error}))


ROUTES: list[tuple[str, type[VibeHandler]]] = [("complete", CompleteHandler)]
