"""Project store benchmark: save and load a project of 1,000 messages and 200 files, and list
10,000 projects, against naive peers measured in the same run and the targets.

    .venv/bin/python benchmarks/store.py [--repeat 15]

Targets: save <= 20 ms, load <= 10 ms (the seed's targets were 200 ms and 100 ms).
Peers: "one commit per row" saving, a load that opens a connection per call and builds
rows through sqlite3.Row dicts, and a list that counts with 2 queries per project (N+1).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vibing2_lab.store import Message, Project, ProjectFile, Store  # noqa: E402
from vibing2_lab.store.rows import utc_now  # noqa: E402

MESSAGES, FILES, PROJECTS = 1000, 200, 10_000


def big_project(name: str) -> Project:
    text = "Here is the next step of the app, with an explanation of every change. " * 8  # ~570 chars
    code = "function render(state) { return `<li>${state.title}</li>`; }\n" * 32  # ~2 KB
    return Project(
        name=name, agents=["frontend"],
        messages=[Message("user" if i % 2 == 0 else "assistant", f"{i}: {text}",
                          agent=None if i % 2 == 0 else "frontend") for i in range(MESSAGES)],
        files=[ProjectFile(f"src/component{i}.js", f"// {i}\n{code}") for i in range(FILES)],
    )


def clock(fn: Callable[[], object]) -> float:
    """Milliseconds for one call."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds for each of `repeat` calls."""
    return [clock(fn) for _ in range(repeat)]


def interleaved(ours: Callable[[], object], peer: Callable[[], object], repeat: int, *,
                peer_every: int = 1) -> tuple[list[float], list[float]]:
    """Ours and the peer taking turns, so both see the same load on a shared machine."""
    mine, theirs = [], []
    for i in range(repeat):
        mine.append(clock(ours))
        if i % peer_every == 0:
            theirs.append(clock(peer))
    return mine, theirs


def naive_save(path: Path, project: Project, name: str) -> None:
    """The peer: every row in its own transaction (autocommit), as a seed implementation would.
    Same file settings as ours (WAL, synchronous=NORMAL): only the transactions differ."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    conn.execute("PRAGMA synchronous = NORMAL")
    now = utc_now()
    pid = conn.execute("INSERT INTO projects (name, type, agents, created, updated) VALUES (?, ?, ?, ?, ?)",
                       (name, project.type, json.dumps(project.agents), now, now)).lastrowid
    for seq, m in enumerate(project.messages, 1):
        conn.execute("INSERT INTO messages (project_id, seq, role, content, agent, created) VALUES (?, ?, ?, ?, ?, ?)",
                     (pid, seq, m.role, m.content, m.agent, now))
    for f in project.files:
        conn.execute("INSERT INTO files (project_id, path, content, created, updated) VALUES (?, ?, ?, ?, ?)",
                     (pid, f.path, f.content, now, now))
    conn.close()


def naive_load(path: Path, name: str) -> dict:
    """The peer: a fresh connection per call and sqlite3.Row -> dict for every row."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    project = dict(conn.execute("SELECT * FROM projects WHERE name = ?", (name,)).fetchone())
    project["messages"] = [dict(r) for r in conn.execute(
        "SELECT * FROM messages WHERE project_id = ? ORDER BY seq", (project["id"],))]
    project["files"] = [dict(r) for r in conn.execute("SELECT * FROM files WHERE project_id = ?", (project["id"],))]
    conn.close()
    return project


def naive_list(path: Path) -> list[dict]:
    """The peer: the project list, then two count queries per project (N+1)."""
    conn = sqlite3.connect(path)
    rows = []
    for pid, name, updated in conn.execute("SELECT id, name, updated FROM projects").fetchall():
        messages = conn.execute("SELECT count(*) FROM messages WHERE project_id = ?", (pid,)).fetchone()[0]
        files = conn.execute("SELECT count(*) FROM files WHERE project_id = ?", (pid,)).fetchone()[0]
        rows.append({"id": pid, "name": name, "messages": messages, "files": files, "updated": updated})
    conn.close()
    return rows


def fill_projects(store: Store, count: int) -> None:
    """`count` small projects (3 messages, 1 file each), inserted in bulk: this is setup, not measured."""
    now = utc_now()
    with store._db.write() as conn:
        base = conn.execute("SELECT coalesce(max(id), 0) FROM projects").fetchone()[0]
        ids = range(base + 1, base + count + 1)
        conn.executemany("INSERT INTO projects (id, name, created, updated) VALUES (?, ?, ?, ?)",
                         [(i, f"project {i}", now, now) for i in ids])
        conn.executemany("INSERT INTO messages (project_id, seq, role, content, created) VALUES (?, ?, ?, ?, ?)",
                         [(i, s, "user", "hello", now) for i in ids for s in (1, 2, 3)])
        conn.executemany("INSERT INTO files (project_id, path, content, created, updated) VALUES (?, ?, ?, ?, ?)",
                         [(i, "index.html", "<p>", now, now) for i in ids])


def report(label: str, ours: list[float], peer: list[float] | None, target: float | None, seed: float | None) -> None:
    med = statistics.median(ours)
    # The mean shows the WAL checkpoints (every ~4 MB written) that the median hides.
    line = f"{label:<42} median {med:7.2f} ms (min {min(ours):6.2f}, mean {statistics.mean(ours):6.2f})"
    if peer:
        line += f"  peer {statistics.median(peer):7.2f} ms x{statistics.median(peer) / med:5.1f}"
    if target:
        line += f"  target {target:.0f} ms: {'met' if med <= target else 'MISSED'}"
    if seed:
        line += f" (seed's {seed:.0f} ms / ours: x{seed / med:.0f})"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-engines", action="store_true", help="skip SQLite beside PostgreSQL at the end")
    args = parser.parse_args()
    n = args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        # The peers write their own file, so neither side pays for the other's WAL checkpoints.
        peer_db = Store.open(Path(tmp) / "peer.db").path
        project = big_project("template")
        counter = iter(range(10**6))

        fresh = [big_project(f"save {i}") for i in range(n)]  # built before the clock starts
        first, peer_save = interleaved(lambda: store.save_project(fresh.pop()),
                                       lambda: naive_save(peer_db, project, f"naive {next(counter)}"),
                                       n, peer_every=3)
        saved = store.save_project(big_project("big"))

        def resave_one_more() -> None:
            nonlocal saved
            saved.messages.append(Message("user", "one more question"))
            saved = store.save_project(saved)

        again = timed(resave_one_more, n)
        unchanged = timed(lambda: store.save_project(store.get_project("big")), n)
        load, peer_load = interleaved(lambda: store.get_project("big"), lambda: naive_load(store.path, "big"), n)

        fill_projects(store, PROJECTS - len(store.list_projects()))
        assert len(store.list_projects()) == PROJECTS
        listed, peer_list = interleaved(store.list_projects, lambda: naive_list(store.path), n, peer_every=3)

        print(f"store benchmark: {MESSAGES} messages + {FILES} files per project; SQLite {sqlite3.sqlite_version};"
              f" {n} repeats")
        report("save, new project (one transaction)", first, peer_save, 20, 200)
        report("save, after one new message", again, None, 20, 200)
        report("save, unchanged project (loaded + saved)", unchanged, None, None, None)
        report("load (get_project)", load, peer_load, 10, 100)
        report(f"list of {PROJECTS:,} projects (with counts)", listed, peer_list, None, None)
        store.close()
    if not args.no_engines:  # the same measures on both engines, plus 10 concurrent writers on each
        import subprocess

        print("\nSQLite beside PostgreSQL (benchmarks/store_engines.py):", flush=True)
        subprocess.run([sys.executable, str(Path(__file__).with_name("store_engines.py"))], check=False)


if __name__ == "__main__":
    main()
