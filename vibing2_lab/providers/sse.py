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

What one event may hold is bounded (`max_event` bytes, its lines and the unfinished line
together): a stream that never ends a line, or an event that never ends, is upstream's
fault and raises EventTooLarge instead of growing the buffer without end. The pieces of an
unfinished line are appended to one bytearray (not copied into a new buffer each time), so a
long line costs its length, not its length squared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

_BOM = b"\xef\xbb\xbf"
MAX_EVENT_BYTES = 8 * 1024 * 1024  # far past any real event (a text delta is ~100 bytes, a tool result block KBs)


class EventTooLarge(ValueError):
    """An event (or a line) grew past the decoder's `max_event` bytes without ending; `events`
    are those the same chunk completed before it (they are still the stream's)."""

    def __init__(self, limit: int, events: list[ServerSentEvent] | None = None) -> None:
        super().__init__(f"an event of more than {limit:,} bytes without its end")
        self.limit, self.events = limit, events or []


@dataclass(slots=True)
class ServerSentEvent:
    """One dispatched event; `event` is "message" when the stream named none."""

    event: str
    data: str
    id: str = ""
    retry: int | None = None


class SSEDecoder:
    """Feed it byte chunks with `feed()`; it returns the events each chunk completed."""

    def __init__(self, max_event: int = MAX_EVENT_BYTES) -> None:
        self.max_event = max_event
        self._tail: bytes | bytearray = b""  # the line after the last line end, not decoded yet
        self._held = 0  # their bytes, plus those of the pending event's lines already decoded
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
        """Take the next chunk of the stream; return the events it completed, in order.
        EventTooLarge when the pending event passes `max_event` bytes."""
        if not chunk:
            return []
        if self._after_cr:
            self._after_cr = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
                if not chunk:  # nothing else: nothing to hold (`pending` stays false)
                    return []
        if self._at_start:
            chunk = self._start(chunk)
            if not chunk:
                return []
        if b"\r" in chunk:  # the held pieces have no CR left: the new bytes are all to look at
            # A CR at the very end already ends its line; remember it so that the LF
            # of a CRLF split across chunks is not read as a second (blank) line.
            self._after_cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = chunk.rfind(b"\n")
        if end < 0:
            self._hold(chunk)
            return []
        if self._tail:
            head = self._tail + chunk[:end]
            self._tail = b""
        else:
            head = chunk[:end]
        # LF is ASCII and never part of a multi-byte sequence: complete lines decode whole.
        out = self._lines(head.decode("utf-8", "replace").split("\n"))
        if self._data:  # an event's data lines wait for its blank line (in the next chunk, mostly)
            if out:  # an event ended here: the pending one began after the last blank line of `head`
                cut = head.rfind(b"\n\n")  # (or after its first line, when that was the blank one)
                self._held = len(head) - cut if cut >= 0 else len(head)
            else:  # it goes on: the bytes held so far (lines and pieces) and the new ones
                self._held += end
            if self._held > self.max_event:
                self._overflow(out)
        else:
            self._held = 0
        if end + 1 < len(chunk):
            self._hold(chunk[end + 1:], out)
        return out

    def flush(self) -> list[ServerSentEvent]:
        """At the end of the stream: the pending event (its last line ends the stream), if it has data."""
        tail, self._tail, self._held = self._tail, b"", 0
        lines = tail.decode("utf-8", "replace").split("\n") if tail else []
        return self._lines([*lines, ""])

    def _start(self, chunk: bytes) -> bytes:
        """The first bytes of the stream without their BOM (b"" while they may still be one)."""
        buf = bytes(self._tail) + chunk
        self._tail = b""
        if len(buf) < 3 and _BOM.startswith(buf):
            self._tail = buf
            return b""
        self._at_start = False
        return buf[3:] if buf.startswith(_BOM) else buf

    def _hold(self, piece: bytes, out: list[ServerSentEvent] | None = None) -> None:
        self._held += len(piece)
        if self._held > self.max_event:
            self._overflow(out)
        if not self._tail:
            self._tail = piece
        elif type(self._tail) is bytearray:
            self._tail += piece  # in place, amortised: no copy of what is held
        else:
            self._tail = bytearray(self._tail) + piece

    def _overflow(self, out: list[ServerSentEvent] | None) -> None:
        self._tail, self._data, self._held = b"", [], 0  # the memory goes at once
        raise EventTooLarge(self.max_event, out)

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
