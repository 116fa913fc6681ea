"""A bare relay inside the same Jupyter server: the peer `server_streams.py` measures ours against.

Loaded into the benchmark's Jupyter server as a server extension (`relay_floor`, this folder on
its PYTHONPATH). `POST /bench-floor/stream {"prompt": ...}` does only what any relay of a model
stream through Jupyter must do, written the plain way:

    Jupyter's authentication, tornado's request and response, one aiohttp request to the model
    (ANTHROPIC_BASE_URL, pooled connections), the body read with `iter_any()`, each event's JSON
    parsed, each text delta written as the same `token` frame ours sends (tornado's `write()` +
    `flush()`), and a `complete` frame with the whole text at the end.

What it leaves out is what vibing2-lab does besides relaying: resolving the ask (settings,
agents, models, the project), storing the prompt, the checkpoints and the answer with its
record, the tool context, budgets, stopping, idle and stall timeouts, heartbeats, backpressure
and the wire's validation. So "ours / bare" in one run is what the product costs over the
stack it runs on (Jupyter, tornado, aiohttp, asyncio and the kernel's sockets), with the
host's swings in both. `POST /bench-floor/raw` is the floor under both: the model's bytes
forwarded as they come, unparsed. Not part of the package; never loaded outside the benchmark.
"""

from __future__ import annotations

import json
import os
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

_SESSIONS: list[Any] = []  # one aiohttp session (connection pool) for the server's loop


def _session() -> Any:
    import aiohttp

    if not _SESSIONS:
        _SESSIONS.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)))
    return _SESSIONS[0]


def _frame(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


class _Relay(APIHandler):
    async def _begin(self) -> Any:
        """The model request's context manager, once the start frame is out (what both routes do)."""
        prompt = json.loads(self.request.body)["prompt"]
        body = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "stream": True,
                "messages": [{"role": "user", "content": prompt}]}
        headers = {"x-api-key": os.environ.get("ANTHROPIC_API_KEY", ""), "anthropic-version": "2023-06-01"}
        url = os.environ["ANTHROPIC_BASE_URL"].rstrip("/") + "/v1/messages"
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.request.connection.stream.set_nodelay(True)  # type: ignore[union-attr]
        self.write(_frame("start", {"prompt": prompt}))
        await self.flush()
        return _session().post(url, json=body, headers=headers)


class FloorHandler(_Relay):
    @web.authenticated
    async def post(self) -> None:
        parts: list[str] = []
        async with await self._begin() as response:
            pending = b""
            async for chunk in response.content.iter_any():
                *events, pending = (pending + chunk).split(b"\n\n")
                for event in events:
                    head, _, data = event.partition(b"\ndata: ")
                    if head != b"event: content_block_delta":
                        continue
                    text = json.loads(data)["delta"].get("text")
                    if text:
                        parts.append(text)
                        self.write(_frame("token", {"type": "token", "text": text, "agent": None}))
                        await self.flush()
        self.finish(_frame("complete", {"type": "complete", "text": "".join(parts)}))


class RawHandler(_Relay):
    """The floor under any relay here: the model's bytes forwarded as they come (no parsing, no
    JSON), each read written straight to the socket as one HTTP chunk."""

    @web.authenticated
    async def post(self) -> None:
        async with await self._begin() as response:
            stream = self.request.connection.stream  # type: ignore[union-attr]
            sock = stream.socket
            async for chunk in response.content.iter_any():
                payload = b"%x\r\n%b\r\n" % (len(chunk), chunk)
                if stream._write_buffer or sock.send(payload) != len(payload):  # type: ignore[attr-defined]
                    raise RuntimeError("the raw floor expects a socket that takes every write")
        self.finish()


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "relay_floor"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    web_app = serverapp.web_app
    base = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [(url_path_join(base, "bench-floor/stream"), FloorHandler),
                                 (url_path_join(base, "bench-floor/raw"), RawHandler)])
