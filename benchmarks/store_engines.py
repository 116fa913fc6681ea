"""The store on SQLite beside PostgreSQL, in the same run: save/load a project of 1,000
messages and 200 files, list 1,000 projects, and 10 concurrent writer processes.

    .venv/bin/python benchmarks/store_engines.py [--repeat 5] [--writes 100]

Starts a throwaway PostgreSQL (tests/postgres.py: initdb, a free port, stopped at the end).
Prints milliseconds per engine and the PostgreSQL/SQLite ratio (timing lives here, never in a test).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.store import big_project  # noqa: E402
from tests.postgres import start_or_skip  # noqa: E402
from vibing2_lab.store import Store  # noqa: E402

WRITERS = 10


def _ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def measure(target: str, repeat: int, writes: int) -> dict[str, float]:
    store = Store.open(target)
    project = big_project("bench")
    saved = store.save_project(project)
    out = {"save": statistics.median(_ms(lambda: store.save_project(saved)) for _ in range(repeat)),
           "load": statistics.median(_ms(lambda: store.get_project("bench")) for _ in range(repeat))}
    small = [store.create_project(f"p{i}").id for i in range(1000)]
    out["list 1k"] = statistics.median(_ms(store.list_projects) for _ in range(repeat))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "tests.store.workers", "write", target, str(small[0]),
                               str(writes), f"w{n}"], env=env) for n in range(WRITERS)]
    assert all(p.wait(timeout=600) == 0 for p in procs)
    out[f"{WRITERS} writers x {writes}"] = (time.perf_counter() - start) * 1000
    assert len(store.history(small[0])) == WRITERS * writes  # nothing lost
    store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--writes", type=int, default=100)
    args = ap.parse_args()
    server = start_or_skip()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = measure(str(Path(tmp) / "bench.db"), args.repeat, args.writes)
        pg = measure(server.new_database(), args.repeat, args.writes)
    finally:
        server.stop()
    print(f"{'operation':<22}{'SQLite ms':>12}{'PostgreSQL ms':>16}{'PG/SQLite':>12}")
    for key in sqlite:
        print(f"{key:<22}{sqlite[key]:>12.1f}{pg[key]:>16.1f}{pg[key] / sqlite[key]:>12.2f}")


if __name__ == "__main__":
    main()
