"""Static rendering of hostile answers (the hostile-notebooks audit): ms for render_bundle of an
answer made of backtick runs of growing length, or of 20,000 tool steps, against a plain-prose
answer of the same size, measured in the same run. A ratio near 1 means no input shape is slow.

    python benchmarks/render_hostile.py
"""

from __future__ import annotations

import time

from vibing2_lab.notebook.render import render_bundle


def record(text: str, steps: list | None = None) -> dict:
    response = {"status": "complete", "text": text, **({"steps": steps} if steps else {})}
    return {"schema": 1, "mode": "single", "format": "markdown", "prompt": "q",
            "calls": [{"request": {}, "response": response}]}


def ms(rec: dict, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        render_bundle(rec)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    for n in (200, 400, 1000):
        runs = "".join("`" * i + "<a>" for i in range(1, n))
        prose = ("word " * (len(runs) // 5 + 1))[:len(runs)]
        hostile, peer = ms(record(runs)), ms(record(prose))
        print(f"backtick runs 1..{n} ({len(runs):,} chars): {hostile:8.1f} ms   prose: {peer:8.1f} ms   "
              f"ratio {hostile / peer:5.2f}")
    uses = [{"id": str(i), "name": "Read", "input": {"file_path": "a"}} for i in range(20_000)]
    results = [{"id": str(i), "name": "Read", "status": "ok", "content": "x"} for i in range(20_000)]
    steps = [{"text": "", "tool_uses": uses, "results": results}]
    with_steps = ms(record("done", steps), repeat=1)
    print(f"20,000 tool steps: {with_steps:8.1f} ms ({with_steps / 20_000 * 1000:.0f} µs per step, linear)")


if __name__ == "__main__":
    main()
