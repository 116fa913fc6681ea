"""The PostgreSQL engine: a connection pool, and a connection that speaks the store's SQL.

`PgConnection` takes the store's statements as written (SQLite dialect) and runs
`pg_dialect.pg_sql` of them, so the store modules keep one text per statement. The guarantees
match SQLite's:

- a write transaction takes one advisory lock per database first (like BEGIN IMMEDIATE:
  writers queue, so `max(seq) + 1` and explicit ids stay race-free);
- a read transaction is REPEATABLE READ READ ONLY: one snapshot across its SELECTs;
- a killed process's transaction is rolled back by the server (nothing half-written).

psycopg and psycopg_pool are imported here only, when a postgresql:// URL is opened.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence
from urllib.parse import urlsplit, urlunsplit

from ..errors import StoreError
from .pg_dialect import explicit_id_table, pg_sql
from .text import storable_params

# One key for "the store's write lock" (pg advisory locks are per database).
WRITE_LOCK_KEY = 0x76696265  # "vibe"
POOL_MAX = 8
CONNECT_TIMEOUT_S = 10
LOCK_TIMEOUT = "30s"  # a writer stuck longer than this gets a StoreError, not a hang


def redact(url: str) -> str:
    """The URL without its password, for messages and `Store.location`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


class _Result:
    """What `execute` returns: rows to fetch or iterate, and `lastrowid` after an INSERT."""

    def __init__(self, rows: list[tuple], lastrowid: int | None, description: Any, rowcount: int = -1) -> None:
        self._rows, self.lastrowid, self.description, self.rowcount = rows, lastrowid, description, rowcount

    def fetchone(self) -> tuple | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple]:
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.fetchall())


class PgConnection:
    """A psycopg connection (autocommit; transactions opened by us) with sqlite3's calling style."""

    def __init__(self, raw: Any, trace: Callable[[str], None] | None = None) -> None:
        self.raw, self.trace = raw, trace

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        if self.trace is not None:
            self.trace(sql)
        if sql.strip().upper() == "BEGIN IMMEDIATE":  # the write lock, as in SQLite
            self.raw.execute("BEGIN")
            self.raw.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            return _Result([], None, None)
        cur = self.raw.execute(pg_sql(sql, returning=True), tuple(storable_params(params)))
        rows = cur.fetchall() if cur.description is not None else []
        lastrowid = None
        if sql.lstrip()[:6].upper() == "INSERT" and cur.description is not None and rows:
            lastrowid = rows[0][0]
            self._catch_up(sql)
        return _Result(rows, lastrowid, cur.description, cur.rowcount)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(storable_params(r)) for r in seq]
        if not rows:
            return
        if self.trace is not None:  # one statement per row, as sqlite3 traces them
            for row in rows:
                self.trace(sql)
                self.raw.execute(pg_sql(sql), row)
        else:
            with self.raw.cursor() as cur:
                cur.executemany(pg_sql(sql), rows)
        self._catch_up(sql)

    def _catch_up(self, sql: str) -> None:
        """After rows inserted with explicit ids, move the table's id sequence past them."""
        table = explicit_id_table(sql)
        if table is not None:
            self.raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                             f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")


class PgDatabase:
    """A pool of connections to one PostgreSQL database, with Database's read/write/close API."""

    path = None  # no file: see `location`

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        from .migrations import migrate

        self.url, self.location = url, redact(url)
        self._trace: Callable[[str], None] | None = None
        with self._translated():
            # A first direct connection gives a clear error at once (a pool would retry quietly).
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as raw:
                migrate(PgConnection(raw))
            self._pool = ConnectionPool(url, min_size=1, max_size=POOL_MAX, timeout=60, open=True,
                                        kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S})
        self.lock = threading.RLock()  # for callers that serialise around the store, as with SQLite

    def is_admin(self) -> bool:
        """A superuser, or a role granted pg_read_all_data, may see every user's runs."""
        with self.read() as conn:
            return bool(conn.execute("SELECT rolsuper OR pg_has_role(current_user, 'pg_read_all_data', 'member')"
                                     " FROM pg_roles WHERE rolname = current_user").fetchone()[0])

    def set_trace_callback(self, callback: Callable[[str], None] | None) -> None:
        self._trace = callback

    @contextmanager
    def write(self) -> Iterator[PgConnection]:
        """A write transaction holding the store's write lock, rolled back on any error."""
        with self._translated(), self._pool.connection() as raw:
            conn = PgConnection(raw, self._trace)
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                raw.execute("COMMIT")
            except BaseException:
                if conn.in_transaction and not raw.closed:
                    raw.execute("ROLLBACK")
                raise

    @contextmanager
    def read(self) -> Iterator[PgConnection]:
        """A read transaction: one consistent snapshot across several SELECTs."""
        with self._translated(), self._pool.connection() as raw:
            raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield PgConnection(raw, self._trace)
            finally:
                if not raw.closed:
                    raw.execute("COMMIT")

    def close(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.close()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """psycopg's errors as StoreError with a hint; the password never appears."""
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            yield
        except psycopg.IntegrityError as exc:
            raise StoreError(f"The project store at {self.location} refused a change: {_text(exc)}.",
                             hint="This is a bug in vibing2-lab; please report it with the command you ran.") from None
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreError(f"The project store at {self.location} is unreachable or busy: {_text(exc)}.",
                             hint="Check that PostgreSQL runs and that VIBING2_LAB_DATABASE_URL (or database_url"
                                  " in config.yaml) names a database this user may open.") from None
        except psycopg.Error as exc:
            raise StoreError(f"The project store at {self.location} failed: {_text(exc)}.",
                             hint="Check that the URL names a vibing2-lab database.") from None


def _text(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
