"""The async HTTP client under the server's streams: CPU per relayed token and per request.

Why the Jupyter server streams through aiohttp (providers/_aionet.py) while the CLI and the
kernels use httpx: this measures the client side alone. A small asyncio server (its own
process) answers every POST with an Anthropic event stream, one chunk per token, written
with a pause between tokens so that each arrives in its own read, as a model's do. Each
client runs in a fresh process and reports its own CPU time (time.process_time):

    per token     50 concurrent streams x 300 tokens, 10 ms apart
    per request   50 concurrent requests x 10 rounds, 2 tokens each (connection reuse, pool)

Clients: vibing2-lab's async provider path (Provider.astream: aiohttp, the SSE decoder, the
Anthropic wire, the exchange's bookkeeping), httpx.AsyncClient (its default anyio transport)
and aiohttp reading raw bytes, and a bare asyncio Protocol counting events (the floor: epoll,
recv and the loop, no HTTP parsing).

    .venv/bin/python benchmarks/async_clients.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLIENTS = ("vibing2-lab", "httpx", "aiohttp", "bare-protocol")


# -- the server process -----------------------------------------------------------------
def event(name: str, data: dict) -> bytes:
    payload = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
    return b"%x\r\n%s\r\n" % (len(payload), payload)


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tokens: int, delay: float) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            writer.write(event("message_start", {"type": "message_start", "message": {
                "id": "msg_bench", "model": "claude-bench", "usage": {"input_tokens": 3, "output_tokens": 1}}}))
            writer.write(event("content_block_start", {"type": "content_block_start", "index": 0,
                                                       "content_block": {"type": "text", "text": ""}}))
            for i in range(tokens):
                writer.write(event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                           "delta": {"type": "text_delta", "text": f" t{i}"}}))
                await writer.drain()
                await asyncio.sleep(delay)
            writer.write(event("content_block_stop", {"type": "content_block_stop", "index": 0}))
            writer.write(event("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                                 "usage": {"output_tokens": tokens}}))
            writer.write(event("message_stop", {"type": "message_stop"}) + b"0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


def serve(tokens: int, delay: float) -> None:
    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: handle(r, w, tokens, delay), "127.0.0.1", 0)
        print(server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# -- the clients (each in its own process) ----------------------------------------------
async def read_vibing2(url: str) -> int:
    from vibing2_lab.config import load_settings
    from vibing2_lab.providers import get_provider, prompt_request

    settings = load_settings()
    settings.providers["anthropic"].base_url = url
    settings.providers["anthropic"].rate_limit_rpm = 0
    request = prompt_request("go", model="claude-bench", settings=settings)
    events = [e async for e in get_provider("anthropic", settings=settings).astream(request)]
    assert events[-1].type == "complete", events[-1]
    return sum(e.type == "token" for e in events)


async def read_httpx(client: object, url: str) -> int:
    n = 0
    async with client.stream("POST", f"{url}/v1/messages", content=b"{}") as response:  # type: ignore[attr-defined]
        async for chunk in response.aiter_bytes():
            n += chunk.count(b"content_block_delta\n")
    return n


async def read_aiohttp(session: object, url: str) -> int:
    n = 0
    async with session.post(f"{url}/v1/messages", data=b"{}") as response:  # type: ignore[attr-defined]
        async for chunk in response.content.iter_any():
            n += chunk.count(b"content_block_delta\n")
    return n


async def read_bare(port: int) -> int:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()

    class Counter(asyncio.Protocol):
        n = 0

        def data_received(self, data: bytes) -> None:
            self.n += data.count(b"content_block_delta\n")
            if data.endswith(b"0\r\n\r\n") and not done.done():
                done.set_result(self.n)

    transport, _ = await loop.create_connection(Counter, "127.0.0.1", port)
    transport.write(b"POST /v1/messages HTTP/1.1\r\nhost: bench\r\ncontent-length: 2\r\n\r\n{}")
    n = await done
    transport.close()
    return n


async def run_client(kind: str, port: int, streams: int, rounds: int) -> tuple[float, int, int]:
    url = f"http://127.0.0.1:{port}"
    closer = None
    if kind == "vibing2-lab":
        def one() -> object:
            return read_vibing2(url)
    elif kind == "httpx":
        import httpx

        client = httpx.AsyncClient(limits=httpx.Limits(max_connections=None), timeout=60)
        closer = client.aclose

        def one() -> object:
            return read_httpx(client, url)
    elif kind == "aiohttp":
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        closer = session.close

        def one() -> object:
            return read_aiohttp(session, url)
    else:
        def one() -> object:
            return read_bare(port)
    await asyncio.gather(*(one() for _ in range(4)))  # warm: imports, first connections
    cpu0 = time.process_time()
    tokens = requests = 0
    for _ in range(rounds):
        tokens += sum(await asyncio.gather(*(one() for _ in range(streams))))  # type: ignore[arg-type]
        requests += streams
    cpu = time.process_time() - cpu0
    if closer is not None:
        await closer()
    return cpu, tokens, requests


def measure(kind: str, tokens: int, delay: float, streams: int, rounds: int) -> tuple[float, float]:
    """(CPU µs per token, CPU µs per request) of one client in a fresh process against a fresh server."""
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(tokens), str(delay)],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        env = {**os.environ, "PYTHONPATH": str(REPO), "ANTHROPIC_API_KEY": "sk-ant-bench",
               "VIBING2_LAB_HOME": os.environ.get("VIBE_BENCH_HOME", "/tmp/vibing2-bench-home")}
        out = subprocess.run([sys.executable, __file__, "--client", kind, str(port), str(streams), str(rounds)],
                             env=env, capture_output=True, text=True, check=True).stdout
    finally:
        server.kill()
        server.wait()
    cpu, got, requests = json.loads(out)
    expected = tokens * streams * rounds
    if got != expected:
        raise RuntimeError(f"{kind}: {got} tokens, expected {expected}")
    return cpu / got * 1e6, cpu / requests * 1e6


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        return serve(int(sys.argv[2]), float(sys.argv[3]))
    if sys.argv[1:2] == ["--client"]:
        kind, port, streams, rounds = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        print(json.dumps(asyncio.run(run_client(kind, port, streams, rounds))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=50)
    args = parser.parse_args()
    Path(os.environ.get("VIBE_BENCH_HOME", "/tmp/vibing2-bench-home")).mkdir(exist_ok=True)
    print(f"{args.streams} concurrent streams; client CPU only (each client in its own process); "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"{'client':<14} {'µs CPU / token':>15} {'µs CPU / request':>17}")
    rows = {}
    for kind in CLIENTS:
        per_token, _ = measure(kind, tokens=300, delay=0.01, streams=args.streams, rounds=1)
        _, per_request = measure(kind, tokens=2, delay=0.001, streams=args.streams, rounds=10)
        rows[kind] = (per_token, per_request)
        print(f"{kind:<14} {per_token:>15.1f} {per_request:>17.0f}")
    ours, peer = rows["vibing2-lab"], rows["httpx"]
    print(f"httpx / vibing2-lab: {peer[0] / ours[0]:.2f}x CPU per token, {peer[1] / ours[1]:.2f}x per request "
          f"(the per-request figure of vibing2-lab includes its per-call bookkeeping)")


if __name__ == "__main__":
    main()
