"""Start-up cost of `%load_ext vibing2_lab`, next to `%load_ext jupyter_ai_magics`.

Each measurement is a fresh subprocess that builds a bare IPython shell, runs one line
magic (so IPython's own lazy set-up is not charged to the extension), then times
`%load_ext EXT` and the resident memory it added. Several repetitions, median. Also
printed: the modules `%load_ext` imported among anthropic, openai, duckdb, tornado,
httpx (the first four must not be), and the other heavy ones the package defers.

jupyter-ai-magics pulls in langchain and friends; when it is not installed beside
vibing2-lab it is measured in another interpreter with the same IPython, given by
--peer-python (default: /tmp/v2-peer-venv/bin/python when it exists).

Before that, fresh-process start-up of the command line (`vibing2-lab version`, `agents list`)
beside a bare `import anthropic` / `import openai`.

    .venv/bin/python benchmarks/startup.py [--runs 7] [--peer-python PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MUST_NOT = ("anthropic", "openai", "duckdb", "tornado", "aiohttp")
WATCH = (*MUST_NOT, "httpx", "yaml", "keyring", "sqlite3", "anywidget", "nbformat", "langchain", "pydantic")
DEFAULT_PEER = Path("/tmp/v2-peer-venv/bin/python")

CHILD = r"""
import json, sys, time

def rss_kb():
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    except OSError:  # not Linux: peak RSS is the best we have (bytes on macOS)
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak

ext, watch = sys.argv[1], sys.argv[2].split(",")
t_start = time.perf_counter()
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic("pwd", "")
before, r0, t0 = set(sys.modules), rss_kb(), time.perf_counter()
if ext:
    shell.run_line_magic("load_ext", ext)
t1, r1 = time.perf_counter(), rss_kb()
new = set(sys.modules) - before
print(json.dumps({
    "wall": t1 - t0, "rss_kb": r1 - r0, "total": t1 - t_start, "modules": len(new),
    "loaded": (not ext) or ext in shell.extension_manager.loaded,
    "watched": [m for m in watch if any(n == m or n.startswith(m + ".") for n in new)],
}))
"""


def run_child(python: str, ext: str) -> dict:
    out = subprocess.run([python, "-c", CHILD, ext, ",".join(WATCH)], capture_output=True, text=True,
                         cwd=REPO, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"{python} %load_ext {ext} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(python: str, ext: str, runs: int) -> dict:
    samples = [run_child(python, ext) for _ in range(runs)]
    assert all(s["loaded"] for s in samples), f"{ext} did not load"
    return {
        "wall": statistics.median(s["wall"] for s in samples),
        "rss_kb": statistics.median(s["rss_kb"] for s in samples),
        "total": statistics.median(s["total"] for s in samples),
        "modules": statistics.median(s["modules"] for s in samples),
        "watched": sorted({m for s in samples for m in s["watched"]}),
    }


def importable(python: str, module: str) -> bool:
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return subprocess.run([python, "-c", probe], capture_output=True).returncode == 0


# Fresh-process command start-up: our CLI beside the SDKs' bare import (what any tool built on them pays).
COMMANDS = {
    "python -c pass (baseline)": ["-c", "pass"],
    "vibing2-lab version": ["-m", "vibing2_lab.cli", "version"],
    "vibing2-lab agents list": ["-m", "vibing2_lab.cli", "agents", "list"],
    "python -c 'import anthropic'": ["-c", "import anthropic"],
    "python -c 'import openai'": ["-c", "import openai"],
}


def command_startup(runs: int) -> None:
    """Median wall time of each command in a fresh process (modules it cannot import are skipped)."""
    import os
    import tempfile
    import time

    print(f"fresh-process start-up, median of {runs} (wall ms; the baseline is the interpreter alone)")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "VIBING2_LAB_HOME": home, "PYTHONPATH": str(REPO)}
        for name, argv in COMMANDS.items():
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                done = subprocess.run([sys.executable, *argv], env=env, cwd=REPO, capture_output=True)
                times.append(time.perf_counter() - t0)
                if done.returncode != 0:
                    break
            if done.returncode != 0:
                print(f"  {name:34} (not available here)")
                continue
            print(f"  {name:34} {statistics.median(times) * 1000:>8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--peer-python", default=None, help="interpreter that has jupyter_ai_magics installed")
    args = parser.parse_args()
    command_startup(args.runs)

    ours = sys.executable
    peer = args.peer_python or (ours if importable(ours, "jupyter_ai_magics") else
                                str(DEFAULT_PEER) if DEFAULT_PEER.exists() else None)
    if peer and not importable(peer, "jupyter_ai_magics"):
        peer = None

    rows = {"bare IPython shell (baseline)": measure(ours, "", args.runs),
            "%load_ext vibing2_lab": measure(ours, "vibing2_lab", args.runs)}
    if peer:
        rows["bare IPython shell (peer interpreter)"] = measure(peer, "", args.runs)
        rows["%load_ext jupyter_ai_magics"] = measure(peer, "jupyter_ai_magics", args.runs)

    print(f"median of {args.runs} fresh subprocesses; Python {sys.version.split()[0]}")
    print(f"{'':40} {'added wall ms':>13} {'added RSS KB':>13} {'new modules':>12} {'process total ms':>17}")
    for name, r in rows.items():
        print(f"{name:40} {r['wall'] * 1000:>13.1f} {r['rss_kb']:>13,.0f} {r['modules']:>12.0f} "
              f"{r['total'] * 1000:>17.0f}")
    v = rows["%load_ext vibing2_lab"]
    print(f"imported by %load_ext vibing2_lab (of {', '.join(WATCH)}): {', '.join(v['watched']) or 'none'}")
    leaked = [m for m in MUST_NOT if m in v["watched"]]
    print(f"must not be imported ({', '.join(MUST_NOT)}): {'VIOLATED: ' + ', '.join(leaked) if leaked else 'ok, none'}")
    if not peer:
        print("jupyter-ai-magics: not installed here and no --peer-python given; "
              "try `pip install jupyter-ai-magics` into a separate venv and pass --peer-python")
        return
    j = rows["%load_ext jupyter_ai_magics"]
    where = "same interpreter" if peer == ours else f"separate venv {peer}, same IPython version"
    print(f"jupyter_ai_magics measured in: {where}")
    print(f"imported by %load_ext jupyter_ai_magics: {', '.join(j['watched']) or 'none'}")
    print(f"ratio (vibing2_lab / jupyter_ai_magics): wall {v['wall'] / j['wall']:.4f} "
          f"(1/{j['wall'] / max(v['wall'], 1e-9):.0f}), RSS {v['rss_kb']:,.0f} KB vs {j['rss_kb']:,.0f} KB "
          f"(at most 1/{j['rss_kb'] / max(v['rss_kb'], 4):.0f}, pages are 4 KB); target <= 1/25")


if __name__ == "__main__":
    main()
