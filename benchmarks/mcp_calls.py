"""MCP tool calls through vibing2-lab's client pool vs the SDK's ClientSession used directly.

    python benchmarks/mcp_calls.py [--calls 200]

Both call `get_current_time` of a real `mcp-server-time` process. The pool runs the session on
its background loop thread and the caller blocks on a future (what a kernel or the CLI does), so
the figure of interest is the added latency per call, and the first-use start-up (process spawn,
initialize, tools/list) that an agent's first MCP call pays once per process.
"""

from __future__ import annotations

import argparse
import statistics
import time

SERVER = ("mcp-server-time", ["--local-timezone", "UTC"])


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def through_pool(calls: int) -> tuple[float, list[float]]:
    from vibing2_lab.mcp.client import pool
    from vibing2_lab.mcp.servers import ServerConfig

    config = ServerConfig("time", command=SERVER[0], args=tuple(SERVER[1]))
    started = time.perf_counter()
    pool().tools(config)
    startup = time.perf_counter() - started
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        pool().call(config, "get_current_time", {"timezone": "UTC"})
        times.append(time.perf_counter() - t)
    pool().stop_all()
    return startup, times


def direct(calls: int) -> tuple[float, list[float]]:
    import anyio
    from mcp import ClientSession, StdioServerParameters, stdio_client

    async def main() -> tuple[float, list[float]]:
        started = time.perf_counter()
        params = StdioServerParameters(command=SERVER[0], args=SERVER[1])
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            await session.list_tools()
            startup = time.perf_counter() - started
            times = []
            for _ in range(calls):
                t = time.perf_counter()
                await session.call_tool("get_current_time", {"timezone": "UTC"})
                times.append(time.perf_counter() - t)
        return startup, times

    return anyio.run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    results = {"SDK ClientSession, same loop": direct(args.calls), "vibing2-lab pool (sync caller)": through_pool(args.calls)}
    print(f"{'':32} {'start-up ms':>12} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name, (startup, times) in results.items():
        ms = [t * 1000 for t in times]
        print(f"{name:32} {startup * 1000:12.1f} {statistics.median(ms):8.2f} {pct(ms, 0.99):8.2f} "
              f"{statistics.fmean(ms):8.2f}")
    peer, ours = (statistics.median(t) for _, t in results.values())
    print(f"\nadded per call (p50): {(ours - peer) * 1000:+.2f} ms; ratio ours/peer: {ours / peer:.2f}")


if __name__ == "__main__":
    main()
