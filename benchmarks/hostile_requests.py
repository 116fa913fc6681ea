"""How long hostile or heavy requests hold a real Jupyter server's event loop, against a plain request.

One run starts the fake model server and a `jupyter server` subprocess with the extension
(benchmarks/bench_server.py's JupyterServer). While each request below runs, a second
client polls `GET health` every 5 ms; the figure is the worst health latency seen, printed
next to the same figure while a plain `GET projects` runs (the peer), and their ratio:

    body 4 MiB [0,0,...]        a body just under c.Vibing2Lab.max_body_bytes, 2 million numbers
    body 4 MiB [[],[],...]      1.4 million empty lists (the slowest shape for the JSON parser)
    body 50 MB                  past the limit: answered 413 unparsed
    PUT 50,000 files            one body of 50,000 one-line files (~1.5 MB)
    fork / export / GET         of that 50,000-file project

Before the audit (tests/server/test_hostile_routes.py) a 50 MB `[0,0,...]` body held the loop
6.6 s, the PUT ~1.0 s and the fork 0.75 s; the loop should now stay within a fraction of that.

    .venv/bin/python benchmarks/hostile_requests.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from benchmarks.bench_server import JupyterServer  # noqa: E402
from tests.fakes.model_server import FakeModelServer  # noqa: E402

FILES = 50_000


async def worst_latency(client: httpx.AsyncClient, api: str, request: Any) -> tuple[float, int]:
    """(worst GET health latency in s while `request()` runs, the request's status)."""
    stop, worst = asyncio.Event(), [0.0]

    async def poll() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await client.get(f"{api}/health")
            worst[0] = max(worst[0], time.perf_counter() - started)
            await asyncio.sleep(0.005)

    poller = asyncio.ensure_future(poll())
    await asyncio.sleep(0.05)
    try:
        status = (await request()).status_code
    finally:
        stop.set()
        await poller
    return worst[0], status


async def run(server: JupyterServer, rounds: int) -> None:
    api = f"{server.url}/vibing2-lab/api"
    async with httpx.AsyncClient(headers={"Authorization": f"token {server.token}"}, timeout=300) as client:
        pid = (await client.post(f"{api}/projects", json={"name": "big"})).json()["id"]
        files = {f"d{i % 100}/f{i}.txt": f"line {i}" for i in range(FILES)}
        cases = {
            "peer: GET projects": lambda: client.get(f"{api}/projects"),
            "body 4 MiB [0,0,...]": lambda: client.post(
                f"{api}/projects", content=b'{"name": [' + b"0," * 2_000_000 + b"0]}"),
            "body 4 MiB [[],[],...]": lambda: client.post(
                f"{api}/projects", content=b'{"name": [' + b"[]," * 1_390_000 + b"[]]}"),
            "body 50 MB (413)": lambda: client.post(
                f"{api}/projects", content=b'{"name": [' + b"0," * 25_000_000 + b"0]}"),
            f"PUT {FILES:,} files": lambda: client.put(f"{api}/projects/{pid}/files",
                                                       content=json.dumps({"files": files}).encode()),
            "GET the project": lambda: client.get(f"{api}/projects/{pid}"),
            "export.ipynb": lambda: client.get(f"{api}/projects/{pid}/export.ipynb"),
        }
        forks = iter(range(1_000))
        cases["fork"] = lambda: client.post(f"{api}/projects/{pid}/fork", json={"name": f"copy-{next(forks)}"})
        results: dict[str, list[float]] = {name: [] for name in cases}
        statuses: dict[str, int] = {}
        for _ in range(rounds):
            for name, request in cases.items():
                worst, statuses[name] = await worst_latency(client, api, request)
                results[name].append(worst)
    peer = min(results["peer: GET projects"])
    print(f"{'request':28} {'status':>6} {'worst health latency':>21} {'x peer':>8}")
    for name, values in results.items():
        best = min(values)  # the least disturbed round: the shared machine adds noise, not signal
        print(f"{name:28} {statuses[name]:>6} {best * 1000:>18.1f} ms {best / peer:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with FakeModelServer() as fake, tempfile.TemporaryDirectory() as tmp:
        server = JupyterServer(fake, Path(tmp), streams=4)
        try:
            asyncio.run(run(server, args.rounds))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
