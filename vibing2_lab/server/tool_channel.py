"""The sidebar's side of a tool-using stream: questions the server puts to the client and
waits for (consent, the live notebook), answered through `POST stream/{id}/consent` and
`POST stream/{id}/notebook`.

    event: consent           {request_id, id, name, input, description, agent, timeout}
    event: notebook_request  {request_id, op: "read" | "edit", input, path}

Tools run in a worker thread (the core's async tool loop); `Channel.ask` puts the frame on
the stream from there and blocks that thread, never the event loop, until the answer comes,
the time runs out, or the stream stops (Stop, the client leaving, shutdown). Nothing here can
hang: every wait has a timeout and wakes on the stream's Cancel.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..errors import ToolError
from ..tools.consent import Decision, PendingCall
from .base import ApiError
from .sse_frames import frame

if TYPE_CHECKING:
    from ..providers import Cancel

NOTEBOOK_TIMEOUT = 30.0  # s: the front end answers a notebook request synchronously
VERDICTS = {"once": Decision.once, "chat": Decision.for_ask, "ask": Decision.for_ask}


class Unanswered(Exception):
    """The question got no answer: `why` is "timeout" or "stopped"."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass
class Channel:
    """Questions of one stream to its client; `send` queues a frame on the stream (loop thread)."""

    loop: asyncio.AbstractEventLoop
    send: Callable[[bytes], None]
    stream_id: str = ""
    cancel: Cancel | None = None  # bound once the stream is registered (the session comes first)
    _waiting: dict[str, tuple[str, concurrent.futures.Future[dict[str, Any]]]] = field(default_factory=dict)

    def bind(self, stream_id: str, cancel: Cancel) -> None:
        self.stream_id, self.cancel = stream_id, cancel

    def ask(self, kind: str, data: dict[str, Any], *, timeout: float) -> dict[str, Any]:
        """Send `kind` with `data` and wait (worker thread) for its answer; Unanswered otherwise."""
        if self.cancel is None or self.cancel.stopped:
            raise Unanswered("stopped")
        request_id = secrets.token_urlsafe(9)
        answer: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()
        self._waiting[request_id] = (kind, answer)
        unhook = self.cancel.on_stop(answer.cancel)
        try:
            payload = {**data, "request_id": request_id, "stream_id": self.stream_id}
            self.loop.call_soon_threadsafe(self.send, frame(kind, payload))
            return answer.result(timeout=timeout)
        except concurrent.futures.CancelledError:
            raise Unanswered("stopped") from None
        except concurrent.futures.TimeoutError:
            raise Unanswered("timeout") from None
        finally:
            unhook()
            self._waiting.pop(request_id, None)

    def answer(self, kind: str, request_id: str, reply: dict[str, Any]) -> None:
        """Deliver the client's reply (event loop); 404 when nothing of that kind waits for it."""
        waiting = self._waiting.get(request_id)
        if waiting is None or waiting[0] != kind or waiting[1].done():
            raise ApiError(404, f"No {kind} question {request_id!r} is waiting on this stream.",
                           kind="unknown_request", hint="It was answered, timed out or the stream ended.")
        waiting[1].set_result(reply)

    @property
    def open_questions(self) -> int:
        return len(self._waiting)


@dataclass
class SidebarConsent:
    """The Consent of a sidebar stream: the pending call goes to the sidebar, which shows Allow
    once / Allow for this chat / Deny; no answer within `timeout` seconds is a denial."""

    channel: Channel
    timeout: float

    def __call__(self, pending: PendingCall) -> Decision:
        data = {"id": pending.id, "name": pending.name, "input": pending.input,
                "description": pending.description, "agent": pending.agent, "timeout": self.timeout}
        try:
            reply = self.channel.ask("consent", data, timeout=self.timeout)
        except Unanswered as exc:
            if exc.why == "timeout":
                return Decision.deny(f"nobody answered the consent question within {self.timeout:g} s", by="nobody")
            return Decision.deny("the stream was stopped before the user answered", by="user")
        verdict = VERDICTS.get(str(reply.get("verdict")))
        if verdict is not None:
            return verdict()
        return Decision.deny(str(reply.get("reason") or "").strip()[:2_000] or "denied by the user")


@dataclass
class LiveNotebook:
    """The NotebookBridge of a sidebar stream: the open notebook's live model, in the sidebar
    (labextension/bridge.ts answers as it does for a `%%vibe` panel)."""

    channel: Channel
    path: str
    timeout: float = NOTEBOOK_TIMEOUT

    def read(self) -> str:
        from ..magics.bridge import _cells
        from ..notebook.cells import cells_text

        reply = self._request("read", {})
        return cells_text(_cells(reply), path=str(reply.get("path") or self.path), version="live notebook")

    def edit(self, input: dict[str, Any]) -> str:
        return str(self._request("edit", input).get("message") or "Done.")

    def _request(self, op: str, input: dict[str, Any]) -> dict[str, Any]:
        from ..magics.bridge import _reply  # the one check of a front end's answer

        try:
            reply = self.channel.ask("notebook_request", {"op": op, "input": input, "path": self.path},
                                     timeout=self.timeout)
        except Unanswered as exc:
            if exc.why == "stopped":
                raise ToolError("The stream stopped before the notebook answered.") from None
            raise ToolError(f"The open notebook did not answer within {self.timeout:g} s.",
                            hint="Keep the notebook open in JupyterLab beside the Vibe sidebar.") from None
        return _reply(json.dumps(reply.get("result")))
