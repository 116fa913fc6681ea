"""Server-sent events out: SSEHandler, the base of every route that answers with a stream
(the writer is sse_writer.py's, the frames sse_frames.py's).

Every event stays its own SSE frame, in order. Once the headers are out on a plain socket,
the frames the stream has ready at once (the events of one read from the model) go out in
one write, just before the stream waits for more (coalesce.py): one event per read is one
write, as soon as it is ready, and a burst is one write instead of one per frame, with no
timer and no loop iteration per token. Before that, or behind a TLS stream or a transform,
frames are batched and flushed once per event-loop tick.
"""

from __future__ import annotations

from contextlib import aclosing
from typing import Any, AsyncIterator, Callable

from tornado.iostream import StreamClosedError

from .base import VibeHandler, error_body
from .sse_writer import EventWriter

SSE_TYPE = "text/event-stream; charset=utf-8"


class SSEHandler(VibeHandler):
    """A route that answers with an event stream: headers, heartbeat, backpressure, the end.

    Subclasses call `send_stream(first_frame, frames, on_gone=...)` from an authenticated verb;
    after the client leaves the frames are still read to the end (a cancelled answer must
    still reach the core, which stores it), only the writes stop."""

    _writer: EventWriter | None = None

    async def send_stream(self, first: bytes, frames: AsyncIterator[Any], *, on_gone: Callable[[], None],
                          encode: Callable[[Any], bytes] | None = None,
                          failed: Callable[[dict[str, str]], bytes] | None = None) -> None:
        """`failed` makes the last frame of a failure after the first frame (the project deleted
        meanwhile, a bug) from its {kind, message, hint}: the status line has gone, only an event
        can say it. Without it the stream just stopped, with no final event."""
        self.set_header("Content-Type", SSE_TYPE)
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")  # a reverse proxy must not hold events back
        writer = self._writer = EventWriter(self, on_gone=on_gone)
        writer.start_heartbeat(self.app.heartbeat_interval)
        try:
            try:
                writer.send(first)
                try:
                    async with aclosing(frames):  # type: ignore[type-var]
                        await self._relay(writer, frames, encode)
                except Exception as exc:
                    if failed is None:
                        raise
                    self.log_exception(type(exc), exc, exc.__traceback__)
                    writer.send(failed(error_body(exc, 500)[1]["error"]))
                await writer.drain(self.app.client_stall_timeout)
            finally:
                writer.stop_heartbeat()
                self.log.debug("vibing2-lab %s: %d frames in %d writes", self.request.path, writer.frames,
                               writer.writes)
            try:  # tornado skips the socket writes itself when the client has left
                await self.finish(set_content_type=SSE_TYPE)
            except StreamClosedError:
                pass
        finally:
            # The writer refers to this handler: without this the handler, its request, connection
            # and everything the stream held were a cycle only the cycle collector frees.
            self._writer = None

    async def _relay(self, writer: EventWriter, frames: AsyncIterator[Any],
                     encode: Callable[[Any], bytes] | None) -> None:
        """Every frame to the writer; what is ready at once goes out in one write (coalesce.py)."""
        from .coalesce import next_item

        flush, queue, stall = writer.flush, writer.queue, self.app.client_stall_timeout
        while True:
            try:
                data = await next_item(frames, flush)
            except StopAsyncIteration:
                return
            queue(data if encode is None else encode(data))
            if writer.behind:  # checked first: a coroutine per token only to find no wait
                flush()
                await writer.backpressure(stall)

    def on_connection_close(self) -> None:
        if self._writer is not None:
            self._writer.mark_gone()
        super().on_connection_close()
