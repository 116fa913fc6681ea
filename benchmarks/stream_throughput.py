"""Streaming throughput: vibing2-lab's client against the official SDKs, on the same stream, in one run.

The fake model server (tests.fakes.model_server) runs in its own process and serves a
20,000-delta answer (ASCII and multi-byte text mixed) with no delay, written in one go,
so the client is the bottleneck. Each client consumes the whole stream; we report

    deltas/s        deltas / time from the first delta to the end of the stream
    CPU µs/delta    client-process CPU time for the whole call / deltas
    ratio           vibing2-lab's deltas/s over the peer's

(median of several interleaved runs), then the cancellation latency: time from
`Cancel.stop()` in another thread to the final `cancelled` event, for a stalled stream.

    .venv/bin/python benchmarks/stream_throughput.py [--deltas 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

WORDS = ["the", "stream", "héllo", "wörld", "你好", "世界", "🎉", "data", "naïve", "café", "∑x²", "ok", "Ωmega", "🧪"]


def make_tokens(n: int) -> list[str]:
    """n deltas, deterministic, about one in three multi-byte."""
    return [(" " if i % 7 else "\n") + WORDS[(i * 7919) % len(WORDS)] for i in range(n)]


# -- the server process -----------------------------------------------------------
def serve(deltas: int) -> None:
    from tests.fakes.model_server import FakeModelServer, Reply

    server = FakeModelServer()
    full = Reply(tokens=make_tokens(deltas), output_tokens=deltas)
    stall = Reply(text="one two three", fault="stall", after=2)
    server.respond = lambda req: stall if (req.body or {}).get("model") == "stall" else full
    server.start()
    print(server.port, flush=True)
    sys.stdin.read()  # run until the parent closes our stdin


def start_server(deltas: int) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, __file__, "--serve", "--deltas", str(deltas)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


# -- the clients -----------------------------------------------------------------
class Probe:
    """Counts deltas and remembers when the first arrived."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.parts: list[str] = []

    def delta(self, text: str) -> None:
        if self.first is None:
            self.first = time.perf_counter()
        self.parts.append(text)


def vibing2(wire: str, url: str, *, use_async: bool = False) -> Callable[[Probe], None]:
    from vibing2_lab.config import load_settings
    from vibing2_lab.providers import ModelRequest, get_provider

    os.environ.update(ANTHROPIC_BASE_URL=url, OPENAI_BASE_URL=f"{url}/v1", ANTHROPIC_API_KEY="sk-ant-bench",
                      OPENAI_API_KEY="sk-bench")
    settings = load_settings()
    for conf in settings.providers.values():
        conf.rate_limit_rpm = 0  # the peers have no client-side limit either
    provider = get_provider(wire, settings=settings)
    request = ModelRequest(model="bench", messages=[{"role": "user", "content": "go"}])

    def run(probe: Probe) -> None:
        final = None
        for final in provider.stream(request):
            if final.type == "token":
                probe.delta(final.text)
        assert final is not None and final.type == "complete", final

    async def arun(probe: Probe) -> None:
        final = None
        async for final in provider.astream(request):
            if final.type == "token":
                probe.delta(final.text)
        assert final is not None and final.type == "complete", final

    return (lambda probe: asyncio.run(arun(probe))) if use_async else run


def anthropic_text_stream(url: str) -> Callable[[Probe], None]:
    import anthropic

    client = anthropic.Anthropic(base_url=url, api_key="sk-ant-bench", max_retries=0)

    def run(probe: Probe) -> None:
        with client.messages.stream(model="bench", max_tokens=4096, messages=[{"role": "user", "content": "go"}]) as s:
            for text in s.text_stream:
                probe.delta(text)

    return run


def anthropic_raw_events(url: str) -> Callable[[Probe], None]:
    import anthropic

    client = anthropic.Anthropic(base_url=url, api_key="sk-ant-bench", max_retries=0)

    def run(probe: Probe) -> None:
        for event in client.messages.create(model="bench", max_tokens=4096, stream=True,
                                            messages=[{"role": "user", "content": "go"}]):
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                probe.delta(event.delta.text)

    return run


def openai_chat_stream(url: str) -> Callable[[Probe], None]:
    import openai

    client = openai.OpenAI(base_url=f"{url}/v1", api_key="sk-bench", max_retries=0)

    def run(probe: Probe) -> None:
        for chunk in client.chat.completions.create(model="bench", stream=True,
                                                    messages=[{"role": "user", "content": "go"}]):
            if chunk.choices and chunk.choices[0].delta.content:
                probe.delta(chunk.choices[0].delta.content)

    return run


def measure(run: Callable[[Probe], None], expected: str) -> tuple[float, float]:
    """(deltas/s from the first delta to the end, CPU µs per delta over the whole call)."""
    probe = Probe()
    cpu0 = time.process_time()
    run(probe)
    end = time.perf_counter()
    cpu = time.process_time() - cpu0
    assert "".join(probe.parts) == expected, "a client garbled the text"
    n = len(probe.parts)
    assert probe.first is not None
    return n / (end - probe.first), cpu / n * 1e6


def cancel_latency(url: str, *, use_async: bool, runs: int) -> list[float]:
    """Seconds from stop() (another thread) to the final cancelled event, on a stalled stream."""
    from vibing2_lab.config import load_settings
    from vibing2_lab.providers import Cancel, ModelRequest, get_provider

    settings = load_settings()
    settings.providers["anthropic"].rate_limit_rpm = 0
    provider = get_provider("anthropic", settings=settings)
    request = ModelRequest(model="stall", messages=[{"role": "user", "content": "go"}])
    out = []
    for _ in range(runs):
        cancel, stopped_at = Cancel(), [0.0]

        def stop() -> None:
            time.sleep(0.15)
            stopped_at[0] = time.perf_counter()
            cancel.stop()

        threading.Thread(target=stop).start()
        if use_async:
            async def consume() -> object:
                return [e async for e in provider.astream(request, cancel=cancel)][-1]
            final = asyncio.run(consume())
        else:
            final = list(provider.stream(request, cancel=cancel))[-1]
        out.append(time.perf_counter() - stopped_at[0])
        assert getattr(final, "status", None) == "cancelled", final
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.deltas)

    proc, port = start_server(args.deltas)
    url = f"http://127.0.0.1:{port}"
    expected = "".join(make_tokens(args.deltas))
    try:
        clients: dict[str, Callable[[Probe], None]] = {
            "vibing2-lab, anthropic wire (sync)": vibing2("anthropic", url),
            "vibing2-lab, anthropic wire (async)": vibing2("anthropic", url, use_async=True),
            "anthropic SDK messages.stream().text_stream": anthropic_text_stream(url),
            "anthropic SDK create(stream=True) raw events": anthropic_raw_events(url),
            "vibing2-lab, openai wire (sync)": vibing2("openai", url),
            "openai SDK chat.completions stream": openai_chat_stream(url),
        }
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in clients}
        for name, run in clients.items():  # warm-up: imports, connections
            measure(run, expected)
        for _ in range(args.runs):  # interleaved, so a noisy moment hits every client alike
            for name, run in clients.items():
                results[name].append(measure(run, expected))
        latency = {mode: cancel_latency(url, use_async=mode == "async", runs=20) for mode in ("sync", "async")}
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)

    print(f"{args.deltas:,} text deltas (ASCII and multi-byte), fake server in its own process, "
          f"median of {args.runs} runs; Python {sys.version.split()[0]}")
    print(f"{'client':48} {'deltas/s':>10} {'CPU µs/delta':>13}")
    median = {name: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs))
              for name, rs in results.items()}
    for name, (rate, cpu) in median.items():
        print(f"{name:48} {rate:>10,.0f} {cpu:>13.1f}")
    ours, sdk = median["vibing2-lab, anthropic wire (sync)"], median["anthropic SDK messages.stream().text_stream"]
    raw = median["anthropic SDK create(stream=True) raw events"]
    oai_ours, oai_sdk = median["vibing2-lab, openai wire (sync)"], median["openai SDK chat.completions stream"]
    print(f"ratio vs anthropic SDK text_stream: {ours[0] / sdk[0]:.1f}x deltas/s, {sdk[1] / ours[1]:.1f}x less CPU "
          f"per delta (target >= 4x)")
    print(f"ratio vs anthropic SDK raw events:  {ours[0] / raw[0]:.1f}x deltas/s, {raw[1] / ours[1]:.1f}x less CPU")
    print(f"ratio vs openai SDK:                {oai_ours[0] / oai_sdk[0]:.1f}x deltas/s, "
          f"{oai_sdk[1] / oai_ours[1]:.1f}x less CPU")
    for mode, values in latency.items():
        ms = sorted(v * 1000 for v in values)
        print(f"cancel latency ({mode}, stop() from another thread -> final event, {len(ms)} runs): "
              f"median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms (target < 100 ms)")


if __name__ == "__main__":
    main()
