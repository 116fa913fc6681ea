"""Usage analytics with DuckDB, over a snapshot read from the store (SQLite or PostgreSQL) through Python.

Why a snapshot: a DuckDB database file is locked by one process, and DuckDB's SQLite
scanner is downloaded on first use (not possible offline). So the rows are read with
sqlite3 and appended into an in-memory DuckDB, which does the grouping and quantiles.
"""

from __future__ import annotations

import csv
import os
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..errors import ExportError, InputError
from .chart import StatsChart, stats_chart

if TYPE_CHECKING:
    import duckdb

    from .projects import Store

__all__ = ["stats_rows", "stats_by_day", "stats_chart", "StatsChart", "export_parquet", "GROUPS"]

# Table name -> (column, DuckDB type); the same columns are read from SQLite.
TABLES: dict[str, list[tuple[str, str]]] = {
    "projects": [("id", "BIGINT"), ("name", "VARCHAR"), ("type", "VARCHAR"), ("agents", "VARCHAR"),
                 ("conversation", "BIGINT"), ("forked_from", "BIGINT"), ("created", "VARCHAR"),
                 ("updated", "VARCHAR")],
    "messages": [("id", "BIGINT"), ("project_id", "BIGINT"), ("conversation", "BIGINT"), ("seq", "BIGINT"),
                 ("role", "VARCHAR"), ("content", "VARCHAR"), ("agent", "VARCHAR"), ("status", "VARCHAR"),
                 ("run_id", "BIGINT"), ("meta", "VARCHAR"), ("created", "VARCHAR")],
    "files": [("id", "BIGINT"), ("project_id", "BIGINT"), ("path", "VARCHAR"), ("content", "VARCHAR"),
              ("language", "VARCHAR"), ("created", "VARCHAR"), ("updated", "VARCHAR")],
    "runs": [("id", "BIGINT"), ("project_id", "BIGINT"), ("agent", "VARCHAR"), ("provider", "VARCHAR"),
             ("model", "VARCHAR"), ("status", "VARCHAR"), ("input_tokens", "BIGINT"), ("output_tokens", "BIGINT"),
             ("cost_usd", "DOUBLE"), ("ttft_s", "DOUBLE"), ("duration_s", "DOUBLE"), ("request_id", "VARCHAR"),
             ("error_kind", "VARCHAR"), ("created", "VARCHAR")],
}

# What `by=` may name -> the SQL expression it groups on.
GROUPS: dict[str, str] = {
    "agent": "agent", "model": "model", "provider": "provider", "status": "status",
    "project": "project", "day": "substr(created, 1, 10)",
}

_METRICS = """
    count(*) AS runs,
    count(*) FILTER (WHERE status = 'error') AS errors,
    count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
    round(count(*) FILTER (WHERE status = 'error') / count(*), 4) AS error_rate,
    CAST(sum(input_tokens) AS BIGINT) AS input_tokens,
    CAST(sum(output_tokens) AS BIGINT) AS output_tokens,
    round(sum(cost_usd), 6) AS cost_usd,
    round(quantile_cont(ttft_s, 0.5), 4) AS ttft_p50,
    round(quantile_cont(ttft_s, 0.95), 4) AS ttft_p95,
    round(quantile_cont(duration_s, 0.5), 4) AS duration_p50
"""


def stats_rows(store: Store, *, by: Sequence[str] = ("agent", "model"), project: str | int | None = None,
               all_users: bool = False) -> list[dict[str, Any]]:
    """Runs, errors, error rate, tokens, cost and TTFT p50/p95 per group (default: agent and model).

    The runs of the projects this user sees (own, shared, and runs whose project was deleted);
    `all_users` (an admin's view: any SQLite reader, a PostgreSQL role that reads all data) every run."""
    from .access import VISIBLE_SQL

    unknown = [key for key in by if key not in GROUPS]
    if unknown or not by:
        raise InputError(f"Cannot group stats by {unknown or 'nothing'}.", hint=f"Use any of: {', '.join(GROUPS)}.")
    if all_users and not store.is_admin():
        raise InputError(f"The database role of {store.location} may not read every user's runs.",
                         hint="Leave out --all-users, or ask for a role with pg_read_all_data.")
    where, params = ("", ()) if all_users else (f"WHERE (r.project_id IS NULL OR {VISIBLE_SQL})", (store.user,))
    if project is not None:
        where, params = "WHERE r.project_id = ?", (store.get_project(project).id,)
    rows = _fetch(store, "SELECT r.id, r.project_id, r.agent, r.provider, r.model, r.status, r.input_tokens,"
                         " r.output_tokens, r.cost_usd, r.ttft_s, r.duration_s, r.request_id, r.error_kind,"
                         f" r.created, p.name FROM runs r LEFT JOIN projects p ON p.id = r.project_id {where}",
                  params)
    con = _duckdb()
    _load(con, "runs", TABLES["runs"] + [("project", "VARCHAR")], rows)
    keys = ", ".join(f"{GROUPS[key]} AS {key}" for key in by)
    order = ", ".join(f"{key} NULLS LAST" for key in by)
    result = con.execute(f"SELECT {keys}, {_METRICS} FROM runs GROUP BY ALL ORDER BY {order}")
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def stats_by_day(store: Store, **kw: Any) -> list[dict[str, Any]]:
    """`stats_rows` per day (UTC), for the tokens-and-cost chart."""
    return stats_rows(store, by=("day",), **kw)


def export_parquet(store: Store, project_ref: str | int, target_dir: Path) -> list[Path]:
    """Write the project's projects/messages/files/runs tables as Parquet files into `target_dir`."""
    pid = store.get_project(project_ref).id
    target = Path(target_dir).expanduser().absolute()
    if target.exists() and not target.is_dir():
        raise ExportError(f"The export target {target} exists and is not a folder.", hint="Choose a folder.")
    con = _duckdb()
    for table, columns in TABLES.items():
        key = "id" if table == "projects" else "project_id"
        _load(con, table, columns, _fetch(store, f"SELECT {', '.join(c for c, _ in columns)} FROM {table}"
                                                 f" WHERE {key} = ? ORDER BY id", (pid,)))
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".vibing2-parquet-", dir=target))
    written = []
    try:
        for table in TABLES:
            _copy_parquet(con, table, staging / f"{table}.parquet")
        # Moved only once all four are written, so a failure leaves no stray table.
        for table in TABLES:
            os.replace(staging / f"{table}.parquet", target / f"{table}.parquet")
            written.append(target / f"{table}.parquet")
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()
    return written


def _copy_parquet(con: duckdb.DuckDBPyConnection, table: str, dest: Path) -> None:
    # Timestamps become real TIMESTAMPTZ columns in the Parquet file.
    stamps = [c for c, _ in TABLES[table] if c in ("created", "updated")]
    replace = ", ".join(f"CAST({c} AS TIMESTAMPTZ) AS {c}" for c in stamps)
    select = f"SELECT * REPLACE ({replace}) FROM {table}" if stamps else f"SELECT * FROM {table}"
    quoted = str(dest).replace("'", "''")  # COPY takes no parameter for its file name
    con.execute(f"COPY ({select}) TO '{quoted}' (FORMAT parquet)")


def _fetch(store: Store, sql: str, params: tuple = ()) -> list[tuple]:
    with store._db.read() as conn:
        return conn.execute(sql, params).fetchall()


def _duckdb() -> duckdb.DuckDBPyConnection:
    import duckdb

    # In memory, no extension autoload: nothing is downloaded, nothing is locked on disk.
    return duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})


def _load(con: duckdb.DuckDBPyConnection, name: str, columns: list[tuple[str, str]], rows: list[tuple]) -> None:
    con.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns)})")
    if not rows:
        return
    if hasattr(con, "appender"):  # DuckDB >= 2.0: a bulk appender, ~100k rows/s
        with con.appender(name) as appender:
            appender.append_rows(rows)
        return
    _load_via_csv(con, name, columns, rows)


def _load_via_csv(con: duckdb.DuckDBPyConnection, name: str, columns: list[tuple[str, str]],
                  rows: Iterable[tuple]) -> None:
    """Older DuckDB: executemany is ~1 ms a row, a temporary CSV file is fast."""
    path = Path(tempfile.gettempdir()) / f"vibing2-{secrets.token_hex(8)}.csv"
    try:
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows([["\\N" if v is None else v for v in row] for row in rows])
        types = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns) + "}"
        quoted = str(path).replace("'", "''")
        con.execute(f"INSERT INTO {name} SELECT * FROM read_csv('{quoted}', header = false, auto_detect = false,"
                    f" delim = ',', quote = '\"', escape = '\"', new_line = '\\n', nullstr = '\\N', columns = {types})")
    finally:
        path.unlink(missing_ok=True)
