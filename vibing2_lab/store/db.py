"""The SQLite connection: WAL, a busy timeout, and write transactions opened with BEGIN IMMEDIATE.

Why BEGIN IMMEDIATE: a deferred transaction that reads and then writes cannot wait for
the lock (SQLite returns "database is locked" at once to avoid a deadlock), whatever the
busy timeout. Taking the write lock up front makes every writer queue politely instead.
One connection per process and path, guarded by a lock so threads take turns.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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


_OPEN: dict[tuple[int, str], Database] = {}
_OPEN_LOCK = threading.Lock()


def open_database(path: Path) -> Database:
    """The process's shared Database for `path` (a forked child gets its own connection)."""
    key = (os.getpid(), str(path.expanduser().resolve()))
    with _OPEN_LOCK:
        db = _OPEN.get(key)
        if db is None:
            db = _OPEN[key] = Database(Path(key[1]))
        return db


def forget_database(db: Database) -> None:
    """Close `db` and drop it from the per-process cache."""
    with _OPEN_LOCK:
        for key, value in list(_OPEN.items()):
            if value is db:
                del _OPEN[key]
    db.close()
