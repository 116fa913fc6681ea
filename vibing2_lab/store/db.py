"""The store's engines: SQLite (the default) and PostgreSQL, and the ONE dialect layer between them.

The SQL in store/ is written once, in SQLite's dialect; `pg_sql` translates it for
PostgreSQL (placeholders, DDL types, the few SQLite-only spellings), and postgres.py runs
it. Nothing else in the package knows which engine is underneath.

The SQLite connection: WAL, a busy timeout, and write transactions opened with BEGIN IMMEDIATE.

Why BEGIN IMMEDIATE: a deferred transaction that reads and then writes cannot wait for
the lock (SQLite returns "database is locked" at once to avoid a deadlock), whatever the
busy timeout. Taking the write lock up front makes every writer queue politely instead.
One connection per process and path, guarded by a lock so threads take turns.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Union

from ..errors import StoreError

BUSY_TIMEOUT_MS = 10_000


class Database:
    """One SQLite connection plus the lock that serialises its use between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = _connect(path)
        from .migrations import migrate

        try:
            with _translated(path):
                migrate(self.conn)
        except BaseException:
            self.conn.close()
            raise

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        with self.lock, _translated(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:  # SQLite may have rolled back already (e.g. disk full)
                    self.conn.execute("ROLLBACK")
                raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot across several SELECTs."""
        with self.lock, _translated(self.path):
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")

    @property
    def location(self) -> str:
        """Where the store lives, fit for a message (a path here, a redacted URL for PostgreSQL)."""
        return str(self.path)

    def set_trace_callback(self, callback: Callable[[str], None] | None) -> None:
        """Call `callback(sql)` before each statement (tests freeze a process mid-transaction)."""
        self.conn.set_trace_callback(callback)

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _translated(path):
        # isolation_level=None: the sqlite3 module opens no transaction by itself; we do.
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = _enable_wal(conn)
        if mode.lower() != "wal":
            raise StoreError(f"SQLite refused WAL mode for {path} (got {mode!r}).",
                             hint="Keep the data directory on a local disk, not a network share.")
        # NORMAL in WAL mode survives a crashed process (the SIGKILL test); only an OS crash
        # or power loss can drop the last commits, and never corrupts the file.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _enable_wal(conn: sqlite3.Connection) -> str:
    """Switch to WAL, retrying: while another process converts a fresh file, SQLite answers
    "database is locked" at once, without waiting on the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01 + random.random() * 0.04)


@contextmanager
def _translated(path: Path) -> Iterator[None]:
    """Turn sqlite3's errors into StoreError with a hint (ours pass through unchanged)."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise StoreError(f"The project store at {path} refused a change: {exc}.",
                         hint="This is a bug in vibing2-lab; please report it with the command you ran.") from exc
    except sqlite3.OperationalError as exc:
        text = str(exc)
        hint = ("Another process held the database for more than "
                f"{BUSY_TIMEOUT_MS // 1000} s; retry, or close the program that is stuck writing."
                if "locked" in text or "busy" in text else
                f"Check that {path} is a vibing2-lab database on a writable local disk.")
        raise StoreError(f"The project store at {path} failed: {text}.", hint=hint) from exc
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"The project store at {path} is unusable: {exc}.",
                         hint="Move the file aside to start a fresh store, or restore it from a backup.") from exc


# -- the dialect layer: SQLite text in, PostgreSQL text out ----------------------------

_PG_REWRITES = [
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bjson_each\(\?\)"), "json_array_elements_text(CAST(? AS json))"),
    # Insertion order of an append-only table (the migrations list).
    (re.compile(r"\bORDER BY rowid\b"), "ORDER BY ctid"),
    (re.compile(r"FROM sqlite_master WHERE type='table' AND name=\?"),
     "FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"),
]
_INSERT = re.compile(r"^\s*INSERT INTO (\w+)\s*\(\s*(\w+)", re.IGNORECASE)
NO_ID_TABLES = {"_vibing2_migrations"}  # tables without an `id` column


@lru_cache(maxsize=512)
def pg_sql(sql: str, *, returning: bool = False) -> str:
    """The PostgreSQL text of one store statement (`?` -> `%s`, SQLite types and spellings).

    With `returning`, an INSERT into a table with an id gets `RETURNING id`, which is how
    the PostgreSQL cursor gives the `lastrowid` that SQLite gives for free.
    """
    for pattern, replacement in _PG_REWRITES:
        sql = pattern.sub(replacement, sql)
    sql = sql.replace("%", "%%").replace("?", "%s")
    insert = _INSERT.match(sql)
    if returning and insert and insert.group(1) not in NO_ID_TABLES and "RETURNING" not in sql.upper():
        sql += " RETURNING id"
    return sql


def explicit_id_table(sql: str) -> str | None:
    """The table of an INSERT that names its ids itself (its id sequence must then catch up)."""
    insert = _INSERT.match(sql)
    return insert.group(1) if insert and insert.group(2).lower() == "id" else None


def is_database_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


AnyDatabase = Union[Database, Any]  # Database or postgres.PgDatabase: the same read/write/close API

_OPEN: dict[tuple[int, str], AnyDatabase] = {}
_OPEN_LOCK = threading.Lock()


def open_database(target: Path | str) -> AnyDatabase:
    """The process's shared Database for a path or a postgresql:// URL (a forked child gets its own)."""
    if is_database_url(target):
        key = (os.getpid(), str(target))
    else:
        key = (os.getpid(), str(Path(target).expanduser().resolve()))
    with _OPEN_LOCK:
        db = _OPEN.get(key)
        if db is None:
            if is_database_url(target):
                from .postgres import PgDatabase

                db = _OPEN[key] = PgDatabase(key[1])
            else:
                db = _OPEN[key] = Database(Path(key[1]))
        return db


def forget_database(db: AnyDatabase) -> None:
    """Close `db` and drop it from the per-process cache."""
    with _OPEN_LOCK:
        for key, value in list(_OPEN.items()):
            if value is db:
                del _OPEN[key]
    db.close()
