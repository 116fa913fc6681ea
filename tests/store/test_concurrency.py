"""Several processes on one store file: no lost row, no error, no half-saved project after a kill."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from tests.conftest import run_cli
from tests.store.conftest import assert_intact, count, start_worker
from tests.store.workers import big_project
from vibing2_lab.store import Store


def _wait_for(path: Path, proc, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"worker exited early: {proc.communicate()}")
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)


def test_three_writers_and_a_reader_lose_nothing(store: Store, tmp_path: Path) -> None:
    project = store.create_project("busy")
    db = store.location
    ready, stop = tmp_path / "ready", tmp_path / "stop"
    reader = start_worker("read", db, str(project.id), str(ready), str(stop))
    _wait_for(ready, reader)
    writers = [start_worker("write", db, str(project.id), "2000", f"w{n}") for n in range(3)]
    results = [w.communicate(timeout=240) for w in writers]
    stop.write_text("stop")
    out, err = reader.communicate(timeout=60)

    assert [w.returncode for w in writers] == [0, 0, 0], results
    assert reader.returncode == 0, err
    seen = json.loads(out)
    assert seen["counts"][-1] == 6000
    assert any(0 < c < 6000 for c in seen["counts"]), "the reader never overlapped the writers"

    messages = store.history(project.id)
    assert len(messages) == 6000
    assert [m.seq for m in messages] == list(range(1, 6001))
    for n in range(3):  # each writer's messages, in the order it wrote them
        mine = [m.content for m in messages if m.agent == f"w{n}"]
        assert mine == [f"w{n}-{i}" for i in range(2000)]
    assert_intact(store)


def _kill_mid_save(db: str, name: str, tmp_path: Path) -> None:
    signal_file = tmp_path / f"inside-{name}"
    worker = start_worker("save-and-hang", db, name, "1000", "200", str(signal_file))
    _wait_for(signal_file, worker)
    os.kill(worker.pid, signal.SIGKILL)
    worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL


def test_sigkill_during_save_of_an_existing_project_keeps_the_old_version(store: Store, tmp_path: Path) -> None:
    saved = store.save_project(big_project("big", 500, 50, version="A"))
    _kill_mid_save(store.location, "big", tmp_path)

    assert_intact(store)
    after = store.get_project("big")
    assert after == saved  # every message and file still version A, none of B
    assert {m.content.split()[0] for m in after.messages} == {"A"}
    assert {f.content.split("\n")[0] for f in after.files} == {"// A"}
    # The dead writer's lock is gone: writing works at once.
    store.add_message(after.id, "user", "still works")
    assert store.history(after.id)[-1].content == "still works"


def test_sigkill_during_save_of_a_new_project_leaves_no_trace(store: Store, tmp_path: Path) -> None:
    store.create_project("bystander")
    _kill_mid_save(store.location, "fresh", tmp_path)

    assert_intact(store)
    assert [p.name for p in store.list_projects()] == ["bystander"]
    assert count(store, "SELECT count(*) FROM messages") == 0
    assert count(store, "SELECT count(*) FROM files") == 0
    # A fresh process (its own connection) sees the same.
    listed = run_cli("projects", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [p["name"] for p in json.loads(listed.stdout)] == ["bystander"]
