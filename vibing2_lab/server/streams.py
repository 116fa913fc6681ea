"""The streams in progress on this server, by id, so `POST stream/{id}/stop` can reach them."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .base import ApiError

if TYPE_CHECKING:
    from ..providers import Cancel
    from ..session import Session


@dataclass
class LiveStream:
    """One streaming ask: its id, its stop signal and what it is doing."""

    id: str
    cancel: Cancel
    project: str | None
    project_id: int | None
    mode: str
    agents: list[str]
    models: list[str]
    started: float = field(default_factory=time.monotonic)
    stopped_by: str | None = None  # "user", "client_gone" or "shutdown"

    def stop(self, reason: str) -> None:
        """Cancel the upstream call(s); the first reason given is kept."""
        self.stopped_by = self.stopped_by or reason
        self.cancel.stop()

    def summary(self) -> dict[str, Any]:
        return {"stream_id": self.id, "project": self.project, "project_id": self.project_id, "mode": self.mode,
                "agents": self.agents, "models": self.models,
                "elapsed": round(time.monotonic() - self.started, 3), "stopped_by": self.stopped_by}


class StreamRegistry:
    """Live streams by id; at most `limit` at once (429 beyond that)."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self._live: dict[str, LiveStream] = {}
        self._idle: Any = None  # an asyncio.Event while someone waits for the last stream to close

    def check_room(self) -> None:
        """ApiError 429 when `limit` streams are running already."""
        if len(self._live) >= self.limit:
            raise ApiError(429, f"{len(self._live)} streams are already running on this server (the limit).",
                           hint="Stop one, or raise c.Vibing2Lab.max_concurrent_streams.")

    def open(self, session: Session) -> LiveStream:
        """Register a new stream for `session` (its Cancel is created here)."""
        from ..providers import Cancel

        self.check_room()  # again: other streams may have started while the session was resolved
        stream_id = secrets.token_urlsafe(12)  # unguessable: only its own client can stop it
        project = session.project
        live = LiveStream(stream_id, Cancel(), project.name if project else None, project.id if project else None,
                          session.mode, [a.name for a in session.agents], list(session.plan))
        self._live[stream_id] = live
        return live

    def get(self, stream_id: str) -> LiveStream:
        live = self._live.get(stream_id)
        if live is None:
            raise ApiError(404, f"No stream {stream_id!r} is running.", kind="unknown_stream",
                           hint="It may have finished already; finished answers are in the project.")
        return live

    def close(self, stream_id: str) -> None:
        self._live.pop(stream_id, None)
        if not self._live and self._idle is not None:
            self._idle.set()

    def stop_all(self, reason: str) -> int:
        """Stop every live stream (server shutdown); returns how many there were."""
        live = list(self._live.values())
        for stream in live:
            stream.stop(reason)
        return len(live)

    async def wait_closed(self, timeout: float) -> bool:
        """Wait until every stream has closed (each has stored its answer first); False on timeout."""
        import asyncio

        if not self._live:
            return True
        self._idle = asyncio.Event()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def summaries(self) -> list[dict[str, Any]]:
        return [live.summary() for live in self._live.values()]

    def __len__(self) -> int:
        return len(self._live)
