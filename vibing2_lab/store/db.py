"""The store's engines: SQLite (the default) and PostgreSQL, which one a path or URL opens.

The SQL in store/ is written once, in SQLite's dialect; `pg_dialect.pg_sql` translates it for
PostgreSQL (placeholders, DDL types, the few SQLite-only spellings), and postgres.py runs
it. Nothing else in the package knows which engine is underneath.

The SQLite connection: WAL, a busy timeout, and write transactions opened with BEGIN IMMEDIATE.

Why BEGIN IMMEDIATE: a deferred transaction that reads and then writes cannot wait for
the lock (SQLite returns "database is locked" at once to avoid a deadlock), whatever the
busy timeout. Taking the write lock up front makes every writer queue politely instead.
One connection per process and path, guarded by a lock so threads take turns.

Opening checks the file before anything is written to it: a SQLite file that some other
program owns is refused before it could be switched to WAL; `PRAGMA quick_check` finds a
damaged file, which is refused rather than written further; a read-only file or folder
opens read-only (reading works, a write is a StoreError saying why).
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Union

from ..errors import StoreError
from .text import storable_params

BUSY_TIMEOUT_MS = 10_000


class _Connection(sqlite3.Connection):
    """sqlite3's connection with every parameter made storable (text.py: the rule PostgreSQL
    imposes, applied here too so both engines store the same text)."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        return super().execute(sql, storable_params(parameters))

    def executemany(self, sql: str, seq: Any, /) -> sqlite3.Cursor:  # type: ignore[override]
        return super().executemany(sql, (storable_params(p) for p in seq))


class Database:
    """One SQLite connection plus the lock that serialises its use between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.read_only = not _writable(path)
        self.conn = _connect(path, read_only=self.read_only)
        from .migrations import MIGRATIONS, applied, migrate

        try:
            with _translated(path):
                if not self.read_only:
                    migrate(self.conn)
                elif applied(self.conn) != [m.__name__ for m in MIGRATIONS]:
                    raise StoreError(f"The project store at {path} needs an upgrade, but it is read-only.",
                                     hint="Open it once where it is writable, or make the folder writable.")
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

    def is_admin(self) -> bool:
        """Whoever can read the SQLite file reads all of it."""
        return True

    def set_trace_callback(self, callback: Callable[[str], None] | None) -> None:
        """Call `callback(sql)` before each statement (tests freeze a process mid-transaction)."""
        self.conn.set_trace_callback(callback)

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def _writable(path: Path) -> bool:
    """Whether the store can be written: its folder (for -wal/-shm) and, if it exists, the file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"The folder of the project store {path} cannot be created: {exc.strerror}.",
                         hint="Set VIBING2_LAB_HOME to a folder you can write to.") from None
    folder_ok = os.access(path.parent, os.W_OK | os.X_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only and not path.exists():
        raise StoreError(f"There is no project store at {path} yet, and its folder is read-only.",
                         hint="Set VIBING2_LAB_HOME to a folder you can write to.")
    with _translated(path):
        conn = _open(path, read_only=read_only)
        try:
            _refuse_foreign(conn, path)  # before WAL: never convert someone else's file
            if not read_only:
                mode = _enable_wal(conn)
                if mode.lower() != "wal":
                    raise StoreError(f"SQLite refused WAL mode for {path} (got {mode!r}).",
                                     hint="Keep the data directory on a local disk, not a network share.")
                # NORMAL in WAL mode survives a crashed process (the SIGKILL test); only an OS crash
                # or power loss can drop the last commits, and never corrupts the file.
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            _refuse_damaged(conn, path)
        except BaseException:
            conn.close()
            raise
    return conn


def _open(path: Path, *, read_only: bool) -> sqlite3.Connection:
    # isolation_level=None: the sqlite3 module opens no transaction by itself; we do.
    kw = {"isolation_level": None, "check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000,
          "factory": _Connection}
    if not read_only:
        conn = sqlite3.connect(str(path), **kw)
    else:
        from urllib.parse import quote

        uri = f"file:{quote(str(path.absolute()))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, **kw)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            # A WAL file whose -shm cannot be created in a read-only folder: read it as a
            # snapshot (nobody can write beside us there either).
            conn.close()
            conn = sqlite3.connect(uri + "&immutable=1", uri=True, **kw)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """A SQLite file with tables but none of ours belongs to another program."""
    from .migrations import TABLE

    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if names and TABLE not in names:
        shown = ", ".join(sorted(names)[:5])
        raise StoreError(f"{path} is a SQLite database of another program (tables: {shown}); it was not changed.",
                         hint="Point VIBING2_LAB_HOME at another folder, or move that file away.")


def _refuse_damaged(conn: sqlite3.Connection, path: Path) -> None:
    """`PRAGMA quick_check`: a damaged file is refused before it is written any further."""
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    if problems != ["ok"]:
        raise StoreError(f"The project store at {path} is damaged ({'; '.join(problems)[:300]}); it was not changed.",
                         hint=f"Move it aside and restore a backup, or try `sqlite3 {path} .recover`.")


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


def is_database_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


AnyDatabase = Union[Database, Any]  # Database or postgres.PgDatabase: the same read/write/close API

_OPEN: dict[tuple[int, str], AnyDatabase] = {}
_OPEN_LOCK = threading.Lock()


_RESOLVED: dict[str, str] = {}  # a path as given -> its resolved form


def open_database(target: Path | str) -> AnyDatabase:
    """The process's shared Database for a path or a postgresql:// URL (a forked child gets its own)."""
    if is_database_url(target):
        key = (os.getpid(), str(target))
    else:
        raw = str(target)
        resolved = _RESOLVED.get(raw)
        if resolved is None:  # realpath walks every component: the server opens the store per request
            resolved = str(Path(target).expanduser().resolve())
            if os.path.isabs(raw):  # a relative path depends on the working directory
                _RESOLVED[raw] = resolved
        key = (os.getpid(), resolved)
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
