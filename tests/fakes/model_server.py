"""A fake model server: a real HTTP server on 127.0.0.1 speaking the providers' wire formats.

    POST /v1/messages          Anthropic Messages API, streaming SSE (or JSON when stream=false)
    POST /v1/chat/completions  OpenAI-compatible chat completion chunks, ending with [DONE]
    POST /v1/completions       OpenAI-compatible text completion (fill-in-the-middle) chunks, wire "fim"
    GET  /v1/models            a small model list (both formats)

Each request is answered by a `Reply`: the text (split into tokens), a delay per token,
and an optional fault. Script replies per test with `enqueue()` (consumed in order),
`respond` (a function of the request) or `default`. Every request received is kept in
`requests` so tests can check headers and bodies.

Run it standalone for benchmarks or by hand:
    python -m tests.fakes.model_server --port 8765 --text "Hello" --delay 0.05
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator

FAULTS = (
    None,
    "http",  # answer `status` with an error body (401, 429, 500, 529, ...) before streaming; with `raw`, that body
    "error_event",  # after `after` tokens, send `event: error` (Anthropic) / an error chunk
    "drop",  # after `after` tokens, close the connection without finishing the stream
    "stall",  # after `after` tokens, send nothing more until the server stops
    "malformed",  # after `after` tokens, send a data line that is not JSON
    "stall_tail",  # send the whole answer, its end event included, then never end the body
)


def split_tokens(text: str) -> list[str]:
    """Split like a model would: words with their leading space, punctuation apart."""
    return re.findall(r"\s*[\w']+|\s*[^\w\s]|\s+", text) or ([text] if text else [])


@dataclass
class Reply:
    """How the fake server answers one request."""

    text: str = "Hello from the fake model."
    tokens: list[str] | None = None  # explicit token split; default split_tokens(text)
    delay: float = 0.0  # seconds before each token
    first_delay: float = 0.0  # extra seconds before the first token (time to first token)
    burst: int = 1  # tokens per write: `delay` comes before every `burst`-th token only (a model's bursts)
    header_delay: float = 0.0  # seconds before the response headers are sent (a slow server)
    fault: str | None = None
    status: int = 500  # for fault="http"
    after: int = 0  # tokens sent before a mid-stream fault
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"retry-after": "1"}
    error_type: str = "overloaded_error"  # for fault="error_event"
    error_message: str = "Overloaded"
    input_tokens: int = 12
    output_tokens: int | None = None  # default: number of tokens
    stop_reason: str = "end_turn"
    # [{"name":..., "input":{...}}]; "id" optional; "raw": the input JSON text to send as is
    # (malformed, or cut short with stop_reason="max_tokens"); "unclosed": no content_block_stop
    tool_uses: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None
    usage: dict[str, Any] | None = None  # sent instead of the computed usage object (any values)
    raw: bytes | None = None  # a recorded SSE body, sent verbatim (in chunks of `raw_chunk` bytes)
    raw_chunk: int = 64
    raw_delay: float = 0.0  # seconds between raw chunks: each goes out in its own write (really split)
    raw_forever: bytes | None = None  # after `raw`, sent again and again until the client leaves

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; choose one of {FAULTS}")

    def token_list(self) -> list[str]:
        return list(self.tokens) if self.tokens is not None else split_tokens(self.text)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    wire: str  # "anthropic" | "openai" | "fim" | "other"


class FakeModelServer:
    """Start with `start()` (or as a context manager); `url` is its base URL."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.default = Reply()
        self.respond: Callable[[RecordedRequest], Reply | None] | None = None
        self.requests: list[RecordedRequest] = []
        self.client_gone = 0  # streams whose client closed the connection before the end
        self.written = bytearray()  # every streamed byte written to a socket so far (what a client could have)
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server((host, port), _Handler)
        self._httpd.fake = self
        self._thread: threading.Thread | None = None

    # -- scripting -------------------------------------------------------
    def enqueue(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order."""
        with self._lock:
            self._queue.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.client_gone = 0
            self.written.clear()
        self.default = Reply()
        self.respond = None

    def next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.pop(0)
        if self.respond is not None:
            reply = self.respond(request)
            if reply is not None:
                return reply
        return self.default

    # -- lifecycle -------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """Base URL as ANTHROPIC_BASE_URL expects it (no /v1)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        """Base URL as OPENAI_BASE_URL expects it (with /v1)."""
        return f"{self.url}/v1"

    def start(self) -> "FakeModelServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-model", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeModelServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # listen backlog: dozens of concurrent streams connect at once (default 5)
    fake: FakeModelServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return  # a client closing its kept-alive connection is not an error
        super().handle_error(request, client_address)


class _Dropped(Exception):
    """The reply asked for the connection to be dropped."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- routing ---------------------------------------------------------
    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            data = {
                "data": [{"id": "fake-model", "object": "model", "type": "model", "display_name": "Fake"}],
                "object": "list",
            }
            return self._send_json(200, data)
        self._send_json(404, {"error": {"type": "not_found_error", "message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        path = self.path.split("?")[0].rstrip("/")
        wire = ("anthropic" if path.endswith("/messages") else "openai" if path.endswith("/chat/completions")
                else "fim" if path.endswith("/completions") else "other")
        request = RecordedRequest("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body, wire)
        if wire == "other":
            return self._send_json(404, {"error": {"type": "not_found_error", "message": f"no route {self.path}"}})
        reply = self.server.fake.next_reply(request)
        if reply.header_delay and self.server.fake._stopping.wait(reply.header_delay):
            return
        if reply.fault == "http" and reply.raw is None:  # with `raw`: that body, sent with `status`
            return self._send_http_fault(reply, wire)
        stream = isinstance(body, dict) and body.get("stream", False)
        model = reply.model or (body.get("model") if isinstance(body, dict) else None) or "fake-model"
        if not stream:
            return self._send_whole(reply, wire, model)
        include_usage = bool(isinstance(body, dict) and (body.get("stream_options") or {}).get("include_usage"))
        if reply.raw is not None:
            frames: Iterator[tuple[float, bytes]] = _raw_frames(reply)
        elif wire == "anthropic":
            frames = _anthropic_frames(reply, model)
        else:
            frames = _openai_frames(reply, model, include_usage, text_choices=wire == "fim")
        self._stream(frames, reply.headers, status=reply.status if reply.fault == "http" else 200)

    # -- responses -------------------------------------------------------
    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        headers = {"request-id": f"req_fake_{uuid.uuid4().hex[:12]}", **(headers or {})}
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)

    def _send_http_fault(self, reply: Reply, wire: str) -> None:
        types = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error",
                 529: "overloaded_error", 400: "invalid_request_error", 404: "not_found_error"}
        etype = types.get(reply.status, "api_error")
        message = reply.error_message if reply.error_message != "Overloaded" else f"fake {etype}"
        data = {"type": "error", "error": {"type": etype, "message": message}}
        if wire in ("openai", "fim"):
            data = {"error": {"message": message, "type": etype, "code": reply.status}}
        self._send_json(reply.status, data, reply.headers)

    def _send_whole(self, reply: Reply, wire: str, model: str) -> None:
        tokens = reply.token_list()
        text = "".join(tokens)
        out = reply.output_tokens if reply.output_tokens is not None else len(tokens)
        if wire == "anthropic":
            data = {"id": _msg_id(), "type": "message", "role": "assistant", "model": model,
                    "content": [{"type": "text", "text": text}], "stop_reason": reply.stop_reason,
                    "stop_sequence": None, "usage": {"input_tokens": reply.input_tokens, "output_tokens": out}}
        else:
            data = {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": reply.input_tokens, "completion_tokens": out,
                              "total_tokens": reply.input_tokens + out}}
        self._send_json(200, data, reply.headers)

    def _stream(self, frames: Iterator[tuple[float, bytes]], headers: dict[str, str] | None = None,
                status: int = 200) -> None:
        """Send (delay, bytes) frames chunked; consecutive undelayed frames go out in one write.
        A reply's header replaces the default of the same name; with a content-length of its own
        (true or not) the body is sent as it is, unchunked, and the connection closed after it."""
        given = {k.lower(): v for k, v in (headers or {}).items()}
        sent = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache",
                **({} if "content-length" in given else {"transfer-encoding": "chunked"}),
                "request-id": f"req_fake_{uuid.uuid4().hex[:12]}", **given}
        self._chunked = "transfer-encoding" in sent
        self.send_response(status)
        for k, v in sent.items():
            self.send_header(k, v)
        self.end_headers()
        stopping = self.server.fake._stopping
        pending: list[bytes] = []
        try:
            for delay, data in frames:
                if delay and pending:
                    self._write_chunk(b"".join(pending))
                    pending.clear()
                if delay == float("inf"):
                    stopping.wait()
                    return
                if delay and stopping.wait(delay):
                    return
                pending.append(data)
            if pending:
                self._write_chunk(b"".join(pending))
            if self._chunked:
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.close_connection = True
            self.wfile.flush()
        except _Dropped:
            if pending:
                self._write_chunk(b"".join(pending))
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            with self.server.fake._lock:
                self.server.fake.client_gone += 1

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if self._chunked else data)
        self.wfile.flush()
        with self.server.fake._lock:
            self.server.fake.written += data


def tool_results(request: RecordedRequest) -> list[dict[str, Any]]:
    """The tool results a request sends back, in one shape for both wires:
    [{"id", "content", "is_error"}] (OpenAI has no is_error: None)."""
    messages = (request.body or {}).get("messages") or [] if isinstance(request.body, dict) else []
    found: list[dict[str, Any]] = []
    for message in messages:
        if message.get("role") == "tool":
            found.append({"id": message.get("tool_call_id"), "content": message.get("content"), "is_error": None})
        elif message.get("role") == "user" and isinstance(message.get("content"), list):
            found += [{"id": b.get("tool_use_id"), "content": b.get("content"), "is_error": b.get("is_error")}
                      for b in message["content"] if b.get("type") == "tool_result"]
    return found


def offered_tools(request: RecordedRequest) -> list[str]:
    """The names of the tools a request offers (both wires)."""
    tools = (request.body or {}).get("tools") or [] if isinstance(request.body, dict) else []
    return [t.get("name") or (t.get("function") or {}).get("name") for t in tools]


def _msg_id() -> str:
    return f"msg_fake_{uuid.uuid4().hex[:16]}"


def _sse(event: str | None, data: Any) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}\n" if event else ""
    try:
        return f"{head}data: {payload}\n\n".encode()
    except UnicodeEncodeError:  # a lone surrogate: only a JSON escape can carry it, as a real API would
        return f"{head}data: {json.dumps(data)}\n\n".encode()


def _fault_frames(reply: Reply, sent: int, error_frame: bytes) -> Iterator[tuple[float, bytes]]:
    """Yield the mid-stream fault frames once `sent` tokens have gone out; raise to drop."""
    if reply.fault is None or sent != reply.after:
        return
    if reply.fault == "error_event":
        yield (0.0, error_frame)
    elif reply.fault == "drop":
        raise _Dropped()
    elif reply.fault == "stall":
        yield (float("inf"), b"")
    elif reply.fault == "malformed":
        yield (0.0, b"data: {not json\n\n")


def _raw_frames(reply: Reply) -> Iterator[tuple[float, bytes]]:
    raw = reply.raw or b""
    for i in range(0, len(raw), reply.raw_chunk):
        yield (reply.raw_delay if i else 0.0), raw[i:i + reply.raw_chunk]
    while reply.raw_forever:  # an endless body: a write per piece, so the client sees it flow
        yield 1e-4, reply.raw_forever


def _token_delays(reply: Reply, index: int) -> float:
    return (reply.delay if index % max(reply.burst, 1) == 0 else 0.0) + (reply.first_delay if index == 0 else 0.0)


def _anthropic_frames(reply: Reply, model: str) -> Iterator[tuple[float, bytes]]:
    tokens = reply.token_list()
    out = reply.output_tokens if reply.output_tokens is not None else len(tokens)
    yield 0.0, _sse("message_start", {"type": "message_start", "message": {
        "id": _msg_id(), "type": "message", "role": "assistant", "content": [], "model": model,
        "stop_reason": None, "stop_sequence": None,
        "usage": reply.usage or {"input_tokens": reply.input_tokens, "output_tokens": 1}}})
    yield 0.0, _sse("content_block_start", {"type": "content_block_start", "index": 0,
                                            "content_block": {"type": "text", "text": ""}})
    yield 0.0, _sse("ping", {"type": "ping"})
    error = _sse("error", {"type": "error", "error": {"type": reply.error_type, "message": reply.error_message}})
    for i, tok in enumerate(tokens):
        fault = list(_fault_frames(reply, i, error))
        yield from fault
        if fault and reply.fault in ("error_event", "stall"):
            return
        yield _token_delays(reply, i), _sse("content_block_delta", {
            "type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": tok}})
    fault = list(_fault_frames(reply, len(tokens), error))
    yield from fault
    if fault and reply.fault in ("error_event", "stall"):
        return
    yield 0.0, _sse("content_block_stop", {"type": "content_block_stop", "index": 0})
    for n, tool in enumerate(reply.tool_uses, start=1):
        tid = tool.get("id") or f"toolu_fake_{n}"
        yield 0.0, _sse("content_block_start", {"type": "content_block_start", "index": n, "content_block": {
            "type": "tool_use", "id": tid, "name": tool["name"], "input": {}}})
        partial = tool["raw"] if "raw" in tool else json.dumps(tool.get("input", {}))
        for piece in (partial[: len(partial) // 2], partial[len(partial) // 2:]):
            yield 0.0, _sse("content_block_delta", {"type": "content_block_delta", "index": n,
                                                    "delta": {"type": "input_json_delta", "partial_json": piece}})
        if not tool.get("unclosed"):  # a block cut off with no content_block_stop
            yield 0.0, _sse("content_block_stop", {"type": "content_block_stop", "index": n})
    stop = "tool_use" if reply.tool_uses and reply.stop_reason == "end_turn" else reply.stop_reason
    yield 0.0, _sse("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                      "usage": reply.usage or {"output_tokens": out}})
    yield 0.0, _sse("message_stop", {"type": "message_stop"})
    if reply.fault == "stall_tail":
        yield float("inf"), b""


def _openai_frames(reply: Reply, model: str, include_usage: bool, *,
                   text_choices: bool = False) -> Iterator[tuple[float, bytes]]:
    """Chat completion chunks; with `text_choices`, text completion chunks (`choices[].text`)."""
    tokens = reply.token_list()
    out = reply.output_tokens if reply.output_tokens is not None else len(tokens)
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = ({"index": 0, "text": delta.get("content", ""), "finish_reason": finish} if text_choices
                  else {"index": 0, "delta": delta, "finish_reason": finish})
        data = {"id": "chatcmpl-fake", "object": "text_completion" if text_choices else "chat.completion.chunk",
                "created": created, "model": model, "choices": [choice], **extra}
        return _sse(None, data)

    yield 0.0, chunk({"role": "assistant", "content": ""})
    error = _sse(None, {"error": {"message": reply.error_message, "type": reply.error_type}})
    for i, tok in enumerate(tokens):
        fault = list(_fault_frames(reply, i, error))
        yield from fault
        if fault and reply.fault in ("error_event", "stall"):
            return
        yield _token_delays(reply, i), chunk({"content": tok})
    fault = list(_fault_frames(reply, len(tokens), error))
    yield from fault
    if fault and reply.fault in ("error_event", "stall"):
        return
    for n, tool in enumerate(reply.tool_uses):
        call = {"index": n, "id": tool["id"] if "id" in tool else f"call_fake_{n}", "type": "function",
                "function": {"name": tool["name"],
                             "arguments": tool["raw"] if "raw" in tool else json.dumps(tool.get("input", {}))}}
        yield 0.0, chunk({"tool_calls": [call]})
    finish = "length" if reply.stop_reason == "max_tokens" else "tool_calls" if reply.tool_uses else "stop"
    yield 0.0, chunk({}, finish)
    if include_usage:
        usage = reply.usage or {"prompt_tokens": reply.input_tokens, "completion_tokens": out,
                                "total_tokens": reply.input_tokens + out}
        data = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [], "usage": usage}
        yield 0.0, _sse(None, data)
    yield 0.0, b"data: [DONE]\n\n"
    if reply.fault == "stall_tail":
        yield float("inf"), b""


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--text", default="Hello from the fake model. ¡Hola! 你好 🎉")
    parser.add_argument("--delay", type=float, default=0.02)
    args = parser.parse_args()
    server = FakeModelServer(port=args.port)
    server.default = Reply(text=args.text, delay=args.delay)
    print(f"fake model server on {server.url} (ANTHROPIC_BASE_URL) and {server.openai_url} (OPENAI_BASE_URL)")
    server.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
