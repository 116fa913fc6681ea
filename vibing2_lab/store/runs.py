"""Run operations of the Store: one row per model call, for history and usage analytics."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import UnknownProjectError
from . import access
from .rows import RUN_STATUSES, Run, check_choice, utc_now

if TYPE_CHECKING:
    from .db import Database

_WRITTEN = ("agent, provider, model, status, project_id, input_tokens, output_tokens, cost_usd,"
            " ttft_s, duration_s, request_id, error_kind, created, requests")
# Column order = Run's positional fields, so a row builds a Run directly.
RUN_COLUMNS = _WRITTEN.replace(", created", ", id, created")


def insert_run(conn: sqlite3.Connection, run: Run) -> Run:
    """INSERT one run inside the caller's transaction; returns it with id and time."""
    if run.project_id is not None and conn.execute("SELECT 1 FROM projects WHERE id = ?",
                                                   (run.project_id,)).fetchone() is None:
        raise UnknownProjectError(f"No project with id {run.project_id} to record the run in.",
                                  hint="It may have been deleted; record the run without a project_id.")
    created = run.created or utc_now()
    cur = conn.execute(
        f"INSERT INTO runs ({_WRITTEN}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run.agent, run.provider, run.model, run.status, run.project_id, int(run.input_tokens or 0),
         int(run.output_tokens or 0), run.cost_usd, run.ttft_s, run.duration_s, run.request_id,
         run.error_kind, created, int(run.requests or 1)))
    conn.executemany(
        "INSERT INTO run_steps (run_id, position, tool, input, status, consent, duration_s, content)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(cur.lastrowid, n, str(s.get("name", "")), json.dumps(s.get("input", {}), ensure_ascii=False),
          str(s.get("status", "error")), json.dumps(s.get("consent") or {}), s.get("duration"),
          str(s.get("content", ""))) for n, s in enumerate(run.steps)])
    return replace(run, id=cur.lastrowid, created=created)


class RunOps:
    """Mixed into Store: the run half of the API."""

    _db: Database
    user: str

    def record_run(self, run: Run) -> Run:
        """Store a finished (complete, error or cancelled) model call; returns it with id and time."""
        check_choice(run.status, RUN_STATUSES, "run status")
        with self._db.write() as conn:
            if run.project_id is not None:
                access.check(conn, run.project_id, self.user)
            return insert_run(conn, run)

    def runs(self, *, project_id: int | None = None) -> list[Run]:
        """Recorded runs, oldest first; only one project's if `project_id` is given."""
        where, params = ("WHERE project_id = ?", (project_id,)) if project_id is not None else ("", ())
        with self._db.read() as conn:
            if project_id is not None:
                access.check(conn, project_id, self.user)
            return [Run(*row) for row in conn.execute(f"SELECT {RUN_COLUMNS} FROM runs {where} ORDER BY id", params)]

    def spend(self, *, since: str | None = None, project_id: int | None = None) -> float:
        """USD the recorded runs cost (runs without a price count as 0), since an ISO time and/or for a project."""
        clauses, params = [], []
        if since is not None:
            clauses.append("created >= ?")
            params.append(since)
        if project_id is not None:
            clauses.append("project_id = ?")
            params.append(project_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._db.read() as conn:
            (total,) = conn.execute(f"SELECT COALESCE(SUM(cost_usd), 0) FROM runs {where}", params).fetchone()
        return float(total)

    def unpriced_runs(self) -> int:
        """How many runs used tokens but have no cost (a model missing from the price table)."""
        with self._db.read() as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM runs WHERE cost_usd IS NULL AND "
                                    "input_tokens + output_tokens > 0").fetchone()
        return int(count)

    def run_steps(self, run_id: int) -> list[dict[str, Any]]:
        """The tool calls of a run, in order, as the loop recorded them (ToolStep dicts)."""
        with self._db.read() as conn:
            rows = conn.execute("SELECT tool, input, status, consent, duration_s, content FROM run_steps"
                                " WHERE run_id = ? ORDER BY position", (run_id,)).fetchall()
        return [{"name": tool, "input": json.loads(data), "status": status, "consent": json.loads(consent or "{}"),
                 "duration": duration, "content": content} for tool, data, status, consent, duration, content in rows]
