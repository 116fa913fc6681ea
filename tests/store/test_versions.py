"""Versions of a project's files in the store (store/versions.py, migration m003)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from vibing2_lab.store import Store

FIRST_SCHEMA = Path(__file__).with_name("first_schema.sql")


def count(store: Store, table: str) -> int:
    """Rows of a table, read through the store's own engine (SQLite or PostgreSQL)."""
    with store._db.read() as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_stored_answer_knows_the_version_it_made(store: Store) -> None:
    project = store.create_project("app")
    store.add_message(project.id, "user", "Build it")
    made = store.record_answer(project.id, "here", files={"index.html": "<p>1"}, prompt="Build it")
    same = store.record_answer(project.id, "no change", files={"index.html": "<p>1"}, prompt="again")
    assert (made.version, same.version) == (1, None)  # files that change nothing make no version
    assert [m.version for m in store.get_project("app").messages] == [None, 1, None]


def test_unchanged_files_are_shared_not_copied(store: Store) -> None:
    project = store.create_project("big")
    big = {f"lib/{n}.js": f"export const n = {n};\n" * 200 for n in range(20)}
    store.update_files(project.id, {**big, "style.css": "h1 { color: black }"})
    for colour in ("blue", "red", "green"):
        store.update_files(project.id, {"style.css": f"h1 {{ color: {colour} }}"})
    assert [v.number for v in store.versions("big")] == [1, 2, 3, 4]
    assert count(store, "blobs") == 20 + 4  # the 20 unchanged files once, plus each style.css
    fork = store.fork_project("big", "big-copy", at_version=2)
    assert count(store, "blobs") == 24 and [v.number for v in store.versions(fork.id)] == [1, 2]
    assert store.get_project(fork.id).file_map()["style.css"] == "h1 { color: blue }"
    store.delete_project("big")
    assert count(store, "blobs") == 22  # red and green went with "big"; the fork keeps its versions 1 and 2
    store.delete_project(fork.id)
    assert count(store, "blobs") == 0 and count(store, "version_files") == 0


def test_files_from_before_versions_become_version_1(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.executescript(FIRST_SCHEMA.read_text())
    conn.close()
    store = Store.open(old)
    (version,) = store.versions("old-app")
    assert (version.number, version.added, version.message) == (1, ["index.html"], "files before versions")
    assert store.version_files("old-app", 1) == {"index.html": "<h1>todo</h1>"}
    store.close()


def test_deleting_a_file_makes_a_version_without_it(store: Store) -> None:
    project = store.create_project("site")
    store.update_files(project.id, {"index.html": "<p>", "old.css": "p {}"})
    store.delete_files(project.id, ["old.css"])
    last = store.versions("site")[-1]
    assert (last.number, last.removed, last.message) == (2, ["old.css"], "deleted old.css")
    assert "old.css" in store.version_files("site", 1)  # and version 1 still has it
