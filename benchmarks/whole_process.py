"""Whole-process CPU of one streamed answer: `vibing2-lab ask` against the anthropic SDK.

Each measurement is a fresh process that imports its client, connects to the fake model
server (its own process, from stream_throughput.py), reads one answer of N deltas (default
30,000), writes the text to stdout (/dev/null) and exits. What counts is the child's own
CPU time (user + system, from wait4), so start-up, imports and the stream are all in it.

    ours   `python -m vibing2_lab.cli ask --model anthropic:claude-sonnet-4-5 PROMPT`
    peer   the official SDK: `Anthropic().messages.stream(...).text_stream`

Runs alternate (ours, peer, ours, ...), median of each; with `--load` (the default) a busy
process spins on another core the whole time, as on a shared machine, and the run is
repeated without it when `--also-quiet` is given. The goal of the issue is a ratio >= 8x.

    .venv/bin/python benchmarks/whole_process.py [--deltas 30000] [--runs 5] [--no-load] [--also-quiet]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.stream_throughput import start_server  # noqa: E402

GOAL = 8.0
MODEL = "claude-sonnet-4-5"
PEER = r"""
import sys, anthropic
client = anthropic.Anthropic(base_url=sys.argv[1], api_key="sk-ant-fake-bench", max_retries=0)
with client.messages.stream(model=sys.argv[2], max_tokens=64000,
                            messages=[{"role": "user", "content": "hi"}]) as stream:
    for text in stream.text_stream:
        sys.stdout.write(text)
"""
SPIN = "while True: pass"


def child_cpu(argv: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user + system) the child used, start to exit."""
    with open(os.devnull, "w") as sink:
        proc = subprocess.Popen(argv, env=env, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:4]} failed ({proc.returncode}): {err[-500:]}")
    return usage.ru_utime + usage.ru_stime


def measure(url: str, runs: int, home: str) -> tuple[list[float], list[float]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_", "VIBING2_LAB_"))}
    env.update(ANTHROPIC_BASE_URL=url, ANTHROPIC_API_KEY="sk-ant-fake-bench", VIBING2_LAB_HOME=home,
               PYTHONPATH=str(REPO))
    ours_argv = [sys.executable, "-m", "vibing2_lab.cli", "ask", "--model", f"anthropic:{MODEL}", "hi"]
    peer_argv = [sys.executable, "-c", PEER, url, MODEL]
    ours, peer = [], []
    for _ in range(runs):
        ours.append(child_cpu(ours_argv, env))
        peer.append(child_cpu(peer_argv, env))
    return ours, peer


def report(label: str, ours: list[float], peer: list[float], deltas: int) -> None:
    o, p = statistics.median(ours), statistics.median(peer)
    print(f"{label}: vibing2-lab {o:.3f} s CPU ({o / deltas * 1e6:.1f} µs/delta), "
          f"anthropic SDK {p:.3f} s ({p / deltas * 1e6:.1f} µs/delta): ratio {p / o:.1f}x "
          f"(goal >= {GOAL:g}x: {'met' if p / o >= GOAL else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-load", action="store_true", help="do not spin a busy process beside the runs")
    parser.add_argument("--also-quiet", action="store_true", help="repeat the runs without the busy process")
    args = parser.parse_args()
    try:
        import anthropic  # noqa: F401
    except ImportError:
        sys.exit("the peer needs the anthropic SDK: pip install -e '.[bench]'")
    server, port = start_server(args.deltas)
    url = f"http://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as home:
            print(f"one {args.deltas:,}-delta answer per fresh process, median of {args.runs}; {os.cpu_count()} CPUs")
            plans = [("loaded (a busy process on another core)", True)] if not args.no_load else []
            if args.no_load or args.also_quiet:
                plans.append(("quiet", False))
            for label, load in plans:
                spinner = subprocess.Popen([sys.executable, "-c", SPIN]) if load else None
                try:
                    ours, peer = measure(url, args.runs, home)
                finally:
                    if spinner is not None:
                        spinner.kill()
                        spinner.wait()
                report(label, ours, peer, args.deltas)
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
