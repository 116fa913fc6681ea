"""Per-step overhead of the tool loop: ms from a tool's result to the next model request.

An agent with the Read tool answers through the fake model server (in this process), which
asks for one Read per request for `--steps` requests, then answers. For each step we take
the time from the loop's tool_result event to the moment the server receives the next
request (what the loop adds: building the continued conversation in the API's shape,
serialising it, the rate limiter, the HTTP request). The peer, in the same run: the very
same request bodies re-sent directly with `provider.stream()` one after another, timed from
the end of one stream to the arrival of the next request (a bare re-request, no loop).

    python benchmarks/tool_loop.py [--steps 20] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def setup(home: Path) -> None:
    os.environ["VIBING2_LAB_HOME"] = str(home)
    agents = home / "agents"
    agents.mkdir(parents=True, exist_ok=True)
    (agents / "reader.md").write_text("---\nname: reader\ndescription: reads\ntools: Read\n---\nRead files.\n")
    (home / "data.txt").write_text("".join(f"line {n}\n" for n in range(200)))
    (home / "config.yaml").write_text("tools: {max_steps: 1000}\nproviders: {anthropic: {rate_limit_rpm: 0},"
                                      " openai: {rate_limit_rpm: 0}}\n")
    os.environ["ANTHROPIC_API_KEY"] = os.environ["OPENAI_API_KEY"] = "sk-fake-bench"


def loop_gaps(server, model: str, steps: int, home: Path) -> tuple[list[float], list[dict]]:  # noqa: ANN001
    """(ms from each tool_result to the next request's arrival, the request bodies sent)."""
    from tests.fakes.model_server import Reply, tool_results
    from vibing2_lab.session import Ask, Session
    from vibing2_lab.tools import ToolContext

    arrivals: list[float] = []

    def respond(request):  # noqa: ANN001, ANN202
        arrivals.append(time.perf_counter())
        if len(tool_results(request)) < steps:
            return Reply(text="", tool_uses=[{"name": "Read", "input": {"file_path": "data.txt", "limit": 20}}])
        return Reply(text="done")

    server.reset()
    server.respond = respond
    session = Session(Ask("read it", agent="reader", model=model, store=False), tool_context=ToolContext(home))
    results: list[float] = []
    for event in session.stream():
        if event.type == "tool_result":
            results.append(time.perf_counter())
    assert session.calls[0].status == "complete", session.calls[0].final
    bodies = [r.body for r in server.requests]
    return [(arrivals[i + 1] - t) * 1000 for i, t in enumerate(results)], bodies


def direct_gaps(server, model: str, bodies: list[dict]) -> list[float]:  # noqa: ANN001
    """ms from the end of one direct stream to the arrival of the next request, same bodies."""
    from tests.fakes.model_server import Reply
    from vibing2_lab.config import load_settings
    from vibing2_lab.providers import ModelRequest, get_provider

    provider_name, _, name = model.partition(":")
    provider = get_provider(provider_name, settings=load_settings())
    arrivals: list[float] = []

    def respond(request):  # noqa: ANN001, ANN202
        arrivals.append(time.perf_counter())
        return Reply(text="ok")

    server.reset()
    server.respond = respond
    ends: list[float] = []
    for body in bodies:
        messages = [m for m in body["messages"] if m.get("role") != "system"]
        system = body.get("system") or next((m["content"] for m in body["messages"] if m.get("role") == "system"), None)
        tools = [t if "input_schema" in t else {"name": t["function"]["name"], "description": t["function"]["description"],
                                               "input_schema": t["function"]["parameters"]} for t in body.get("tools", [])]
        request = ModelRequest(model=name, messages=messages, system=system, tools=tools or None)
        for _ in provider.stream(request):
            pass
        ends.append(time.perf_counter())
    return [(arrivals[i + 1] - t) * 1000 for i, t in enumerate(ends[:-1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="vibe-bench-tools-"))
    setup(home)
    from tests.fakes.model_server import FakeModelServer

    with FakeModelServer() as server:
        os.environ["ANTHROPIC_BASE_URL"], os.environ["OPENAI_BASE_URL"] = server.url, server.openai_url
        print(f"tool loop, {args.steps} steps per answer, {args.runs} runs per wire (ms, median of all steps)")
        print(f"{'wire':<10} {'loop p50':>9} {'loop p90':>9} {'direct p50':>11} {'direct p90':>11} {'added p50':>10}"
              f" {'ratio':>6}")
        for model in ("anthropic:fake-model", "openai:fake-model"):
            loop, direct = [], []
            for _ in range(args.runs):  # interleaved, so load changes hit both alike
                gaps, bodies = loop_gaps(server, model, args.steps, home)
                loop += gaps
                direct += direct_gaps(server, model, bodies)
            lp, dp = statistics.median(loop), statistics.median(direct)
            l90, d90 = statistics.quantiles(loop, n=10)[-1], statistics.quantiles(direct, n=10)[-1]
            print(f"{model.split(':')[0]:<10} {lp:9.2f} {l90:9.2f} {dp:11.2f} {d90:11.2f} {lp - dp:10.2f} {lp / dp:6.2f}")


if __name__ == "__main__":
    main()
