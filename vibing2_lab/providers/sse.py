"""A pure Server-Sent Events decoder: bytes in, events out, no I/O.

Follows the WHATWG event-stream rules: lines end with CRLF, LF or CR; a leading UTF-8
BOM is dropped; `:` starts a comment; `data:` lines of one event join with LF; a blank
line dispatches the event (only if it carried data); `id` without NUL and an all-digit
`retry` are remembered; an event cut off by the end of the stream is discarded, unless
the reader asks for it with `flush()` (the official SDKs dispatch a final event that
lacks its blank line, and real servers end streams that way).

Chunks may be split anywhere, even inside a CRLF pair or a multi-byte UTF-8 character:
bytes are buffered up to a line end before they are decoded, so a character is never
decoded from half of its bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

_BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class ServerSentEvent:
    """One dispatched event; `event` is "message" when the stream named none."""

    event: str
    data: str
    id: str = ""
    retry: int | None = None


class SSEDecoder:
    """Feed it byte chunks with `feed()`; it returns the events each chunk completed."""

    def __init__(self) -> None:
        self._tail = b""  # bytes after the last line end, not decoded yet
        self._after_cr = False  # the previous chunk ended with CR: a leading LF belongs to it
        self._at_start = True  # a BOM may still come
        self._event = ""
        self._data: list[str] = []
        self.last_event_id = ""
        self.retry: int | None = None

    @property
    def pending(self) -> bool:
        """True when bytes or fields of an unfinished event are buffered."""
        return bool(self._tail or self._data or self._event)

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Take the next chunk of the stream; return the events it completed, in order."""
        if not chunk:
            return []
        if self._after_cr:
            self._after_cr = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
        buf = self._tail + chunk if self._tail else chunk
        if self._at_start:
            if len(buf) < 3 and _BOM.startswith(buf):
                self._tail = buf
                return []
            self._at_start = False
            if buf.startswith(_BOM):
                buf = buf[3:]
        if b"\r" in buf:
            # A CR at the very end already ends its line; remember it so that the LF
            # of a CRLF split across chunks is not read as a second (blank) line.
            self._after_cr = buf.endswith(b"\r")
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = buf.rfind(b"\n")
        if end < 0:
            self._tail = buf
            return []
        self._tail = buf[end + 1:]
        # LF is ASCII and never part of a multi-byte sequence: complete lines decode whole.
        return self._lines(buf[:end].decode("utf-8", "replace").split("\n"))

    def flush(self) -> list[ServerSentEvent]:
        """At the end of the stream: the pending event (its last line ends the stream), if it has data."""
        tail, self._tail = self._tail, b""
        lines = tail.decode("utf-8", "replace").split("\n") if tail else []
        return self._lines([*lines, ""])

    def _lines(self, lines: list[str]) -> list[ServerSentEvent]:
        out: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    out.append(ServerSentEvent(self._event or "message", "\n".join(data),
                                               self.last_event_id, self.retry))
                    data = self._data = []
                self._event = ""
            elif line.startswith("data: "):  # the hot path: one data line per event ...
                data.append(line[6:])
            elif line.startswith("event: "):  # ... and one event line
                self._event = line[7:]
            elif line[0] != ":":
                self._field(line)
        return out

    def _field(self, line: str) -> None:
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self.last_event_id = value
        elif name == "retry":
            if value.isascii() and value.isdigit():
                self.retry = int(value)
        # any other field name is ignored, as the spec says


def decode(chunks: Iterable[bytes]) -> list[ServerSentEvent]:
    """All events of a whole stream given as chunks (a convenience for tests and tools)."""
    decoder = SSEDecoder()
    out: list[ServerSentEvent] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    return out
