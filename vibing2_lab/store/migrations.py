"""Schema migrations: an append-only list of small named steps and a table of those applied.

Never edit or reorder a step that has shipped; add a new one at the end. Each step runs
inside the same BEGIN IMMEDIATE transaction as its bookkeeping row, so two processes
opening a fresh database at once apply every step exactly once.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

from ..errors import StoreError
from .rows import utc_now

TABLE = "_vibing2_migrations"


def _run(conn: sqlite3.Connection, *statements: str) -> None:
    # Not executescript(): it commits first, which would break the enclosing transaction.
    for sql in statements:
        conn.execute(sql)


def m001_initial(conn: sqlite3.Connection) -> None:
    """Projects, messages, files and runs as the store issue first described them."""
    _run(
        conn,
        """CREATE TABLE projects (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL DEFAULT 'notebook',
            agents TEXT NOT NULL DEFAULT '[]',
            created TEXT NOT NULL,
            updated TEXT NOT NULL)""",
        """CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            agent TEXT,
            created TEXT NOT NULL,
            UNIQUE (project_id, seq))""",
        """CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            content TEXT NOT NULL,
            language TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            UNIQUE (project_id, path))""",
        # Runs outlive their project (ON DELETE SET NULL): usage and cost stay accountable.
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
            agent TEXT,
            provider TEXT,
            model TEXT,
            status TEXT NOT NULL,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL,
            ttft_s REAL,
            duration_s REAL,
            request_id TEXT,
            error_kind TEXT,
            created TEXT NOT NULL)""",
        "CREATE INDEX runs_project ON runs(project_id)",
    )


def m002_conversations_status_meta(conn: sqlite3.Connection) -> None:
    """Conversations (`%vibe new`), message status/run/meta for partial answers, fork origin."""
    _run(
        conn,
        "ALTER TABLE projects ADD COLUMN conversation INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE projects ADD COLUMN forked_from INTEGER",
        "ALTER TABLE messages ADD COLUMN conversation INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE messages ADD COLUMN status TEXT NOT NULL DEFAULT 'complete'",
        "ALTER TABLE messages ADD COLUMN run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL",
        "ALTER TABLE messages ADD COLUMN meta TEXT",
        "CREATE INDEX projects_updated ON projects(updated)",
    )


def m003_run_steps(conn: sqlite3.Connection) -> None:
    """Agent mode: a run's tool calls (one row each) and how many model requests it made."""
    _run(
        conn,
        "ALTER TABLE runs ADD COLUMN requests INTEGER NOT NULL DEFAULT 1",
        """CREATE TABLE run_steps (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            tool TEXT NOT NULL,
            input TEXT NOT NULL,
            status TEXT NOT NULL,
            consent TEXT,
            duration_s REAL,
            content TEXT NOT NULL)""",
        "CREATE INDEX run_steps_run ON run_steps(run_id)",
    )


def m004_versions(conn: sqlite3.Connection) -> None:
    """Versions of a project's files; contents stored once per sha256 and shared (store/versions.py).
    A project that already has files gets them as its version 1."""
    _run(
        conn,
        "CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, content TEXT NOT NULL)",
        """CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
            label TEXT NOT NULL,
            created TEXT NOT NULL,
            UNIQUE (project_id, number))""",
        """CREATE TABLE version_files (
            version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL REFERENCES blobs(sha256),
            PRIMARY KEY (version_id, path))""",
        "CREATE INDEX version_files_sha256 ON version_files(sha256)",
    )
    from .versions import snapshot

    now = utc_now()
    for (pid,) in conn.execute("SELECT DISTINCT project_id FROM files").fetchall():
        snapshot(conn, pid, label="files before versions", now=now)


def m005_owner_visibility(conn: sqlite3.Connection) -> None:
    """Team stores: who owns a project ('' = from before identities), private|shared, who changed it last."""
    _run(
        conn,
        "ALTER TABLE projects ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE projects ADD COLUMN visibility TEXT NOT NULL DEFAULT 'private'",
        "ALTER TABLE projects ADD COLUMN updated_by TEXT",
        "CREATE INDEX projects_owner ON projects(owner)",
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_initial,
    m002_conversations_status_meta,
    m003_run_steps,
    m004_versions,
    m005_owner_visibility,
]


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations already applied to this database, in order."""
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (TABLE,)).fetchone()
    if not exists:
        return []
    return [row[0] for row in conn.execute(f"SELECT name FROM {TABLE} ORDER BY rowid")]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the missing steps in one transaction; return the names applied now."""
    known = [step.__name__ for step in MIGRATIONS]
    if applied(conn) == known:  # the common case: no write lock needed
        return []
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
        done = set(applied(conn))
        unknown = sorted(done - set(known))
        if unknown:
            raise StoreError(f"The project store was written by a newer vibing2-lab (migrations {unknown}).",
                             hint="Upgrade vibing2-lab (pip install -U vibing2-lab) in this environment.")
        now_applied = []
        for step in MIGRATIONS:
            if step.__name__ not in done:
                step(conn)
                conn.execute(f"INSERT INTO {TABLE} (name, applied) VALUES (?, ?)", (step.__name__, utc_now()))
                now_applied.append(step.__name__)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return now_applied
