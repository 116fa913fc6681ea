"""`POST stream`: one ask streamed as server-sent events; `POST stream/{id}/stop` cancels it.

    event: start      {stream_id, project, project_id, mode, agents, models, pick}
    event: token      {type, text, agent, stream_id}            (any number)
    event: tool_use   {type, id, name, input, agent, stream_id}
    event: complete   {type, text, usage, timings, cost_usd, ..., stream_id}   one per agent,
    event: error      {type, kind, message, hint, partial_text, status, ...}   or this instead

Bad input is answered before the stream starts, as a JSON 4xx. Once streaming, failures
arrive as `error` events. The stream runs on the server's event loop (the providers are
async); a stop request, a client that leaves, or the server shutting down cancels the
upstream call, and the session stores the partial answer as cancelled.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, AsyncIterator

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import VibeHandler
from .body import REQUIRED, fields, text_list
from .sse_frames import event_frame, frame
from .sse_out import SSEHandler

if TYPE_CHECKING:
    from ..config import Settings
    from ..session import Ask, Session
    from ..store import Store
    from .streams import LiveStream
    from .tool_context import StreamTools

NoneType = type(None)
ASK_FIELDS: dict[str, tuple[Any, Any]] = {
    "prompt": (str, REQUIRED),
    "project": ((str, int, NoneType), None),
    "agent": ((str, NoneType), None),
    "agents": (list, []),
    "auto": (bool, False),
    "chain": (bool, False),
    "model": ((str, NoneType), None),
    "context": (str, ""),
    "system": ((str, NoneType), None),
    "max_tokens": ((int, NoneType), None),
    "temperature": ((float, NoneType), None),
    "max_cost": ((float, int, NoneType), None),
    "allow": (list, []),  # tools pre-approved ("Allow for this chat" in the sidebar)
    "notebook": ((dict, NoneType), None),  # {path, kernel_id}: the notebook open beside the sidebar
}


def ask_from_body(data: dict[str, Any], *, project_name: str | None) -> Ask:
    """The Ask a request body describes (field types checked here, the rest by the core)."""
    from ..session import Ask

    body = fields(data, ASK_FIELDS)
    return Ask(body["prompt"], project=project_name, agent=body["agent"], agents=text_list("agents", body["agents"]),
               auto=body["auto"], chain=body["chain"], model=body["model"], context=body["context"],
               system=body["system"], max_tokens=body["max_tokens"], temperature=body["temperature"],
               max_cost=body["max_cost"], allow=text_list("allow", body["allow"]))


def open_session(data: dict[str, Any], settings: Settings, allowed_models: list[str], store: Store,
                 tools: StreamTools | None = None) -> Session:
    """Resolve the ask (agents, models, project) before anything is sent; raises on bad input.
    `store` is the request user's view, so a project is created, found and charged as theirs."""
    from ..session import Session

    project = data.get("project")
    if isinstance(project, int) and not isinstance(project, bool):  # an id: the session wants the name
        project = store.get_project(project).name
    elif isinstance(project, str) and project:
        from ..store import validate_project_name

        validate_project_name(project)  # Store.ensure_project would report a bad name as "no project"
    else:
        project = None
    ask = ask_from_body(data, project_name=project)
    if tools is None:
        return Session(ask, settings=settings, store=store, allowed_models=allowed_models)
    return Session(ask, settings=settings, store=store, allowed_models=allowed_models, tool_context=tools.ctx,
                   consent=tools.consent, toolbox_factory=tools.toolbox)


def start_data(live: LiveStream, session: Session) -> dict[str, Any]:
    return {"stream_id": live.id, "project": live.project, "project_id": live.project_id, "mode": live.mode,
            "agents": live.agents, "models": live.models,
            "pick": session.pick.to_dict() if session.pick is not None else None,
            "notices": session.notices}  # e.g. a pasted API key that was redacted (Session._redact_ask)


class StreamHandler(SSEHandler):
    """`POST stream` streams an ask; `GET stream` lists the live streams."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json({"streams": self.app.streams.summaries()})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        app = self.app
        app.streams.check_room()  # before the session may create a project
        settings = self.vibe_settings()
        data = await self.json_body()
        from .tool_context import NotebookRef, stream_tools

        merged = Merged()
        tools = stream_tools(self, NotebookRef.from_body(data.get("notebook")), send=merged.put)
        session = await self.blocking(open_session, data, settings, list(app.allowed_models),
                                     self.store(), tools)
        live = app.streams.open(session)
        tools.channel.bind(live.id, live.cancel)
        live.channel = tools.channel
        try:
            await self._stream(session, live, merged if session.tooling.any_tools(session.agents) else None)
        finally:
            app.streams.close(live.id)

    async def _stream(self, session: Session, live: LiveStream, merged: Merged | None) -> None:
        # After the client leaves, send_stream keeps reading: the cancelled final event still
        # has to reach the session, which stores the partial answer.
        from ..events import ErrorEvent

        first, gone = frame("start", start_data(live, session)), lambda: live.stop("client_gone")
        failed = lambda error: event_frame(ErrorEvent(**error), live.id)  # noqa: E731
        if merged is None:  # the session's events, encoded by send_stream (no generator between)
            await self.send_stream(first, session.astream(cancel=live.cancel), on_gone=gone,
                                   encode=lambda event: event_frame(event, live.id), failed=failed)
            return

        async def frames() -> AsyncIterator[bytes]:
            async with aclosing(session.astream(cancel=live.cancel)) as events:
                async for event in events:
                    yield event_frame(event, live.id)

        await self.send_stream(first, merged.around(frames()), on_gone=gone, failed=failed)


class Merged:
    """The session's frames and the tool channel's questions (consent, notebook requests) in
    one stream: the questions are put from the event loop while a tool waits in its thread."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    def put(self, data: bytes) -> None:
        self.queue.put_nowait(data)

    async def around(self, frames: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async def pump() -> None:
            try:
                async for data in frames:
                    await self.queue.put(data)
            finally:
                self.queue.put_nowait(None)

        task = asyncio.ensure_future(pump())
        try:
            while (data := await self.queue.get()) is not None:
                yield data
        finally:
            await task  # the session's stream always reaches its end (it stores the answer)


class StreamStopHandler(VibeHandler):
    @web.authenticated
    @authorized
    async def post(self, stream_id: str) -> None:
        live = self.app.streams.get(stream_id)
        live.stop("user")
        self.write_json({"stream_id": stream_id, "stopped": True})


ROUTES: list[tuple[str, type[VibeHandler]]] = [
    ("stream", StreamHandler),
    ("stream/(?P<stream_id>[^/]+)/stop", StreamStopHandler),
]
