"""Usage analytics: DuckDB over a snapshot of the store, the SVG chart, Parquet export."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pytest

from vibing2_lab.errors import InputError, UnknownProjectError
from vibing2_lab.store import Message, Project, ProjectFile, Run, Store, export_parquet, stats_by_day, stats_chart, stats_rows


def _runs(store: Store) -> int:
    p = store.create_project("stats")
    specs = [  # agent, model, status, in, out, cost, ttft, day
        ("front", "m1", "complete", 100, 200, 0.01, 0.1, "01"), ("front", "m1", "complete", 300, 400, 0.03, 0.3, "01"),
        ("front", "m1", "error", 50, 0, 0.0, None, "02"), ("front", "m1", "complete", 100, 100, 0.02, 0.5, "02"),
        ("back", "m2", "cancelled", 10, 5, 0.001, 0.2, "02"), ("back", "m2", "complete", 20, 40, None, 0.4, "03"),
    ]
    for agent, model, status, i, o, cost, ttft, day in specs:
        store.record_run(Run(agent=agent, model=model, provider="anthropic", status=status, project_id=p.id,
                             input_tokens=i, output_tokens=o, cost_usd=cost, ttft_s=ttft, duration_s=1.0,
                             created=f"2026-11-{day}T12:00:00.000000Z"))
    store.record_run(Run(agent="front", model="m1", created="2026-11-03T00:00:00.000000Z"))  # no project
    return p.id


def test_rows_per_agent_and_model(store: Store) -> None:
    _runs(store)
    rows = {(r["agent"], r["model"]): r for r in stats_rows(store)}
    front, back = rows[("front", "m1")], rows[("back", "m2")]
    assert (front["runs"], front["errors"], front["cancelled"], front["error_rate"]) == (5, 1, 0, 0.2)
    assert (front["input_tokens"], front["output_tokens"], front["cost_usd"]) == (550, 700, 0.06)
    # TTFT over 0.1, 0.3, 0.5 (the error has none): p50 0.3, p95 interpolated 0.48.
    assert (front["ttft_p50"], front["ttft_p95"]) == (0.3, 0.48)
    assert (back["runs"], back["errors"], back["cancelled"], back["cost_usd"]) == (2, 0, 1, 0.001)


def test_rows_per_day_per_project_and_bad_groupings(store: Store) -> None:
    _runs(store)
    days = stats_by_day(store)
    assert [(r["day"], r["runs"], r["input_tokens"]) for r in days] == [
        ("2026-11-01", 2, 400), ("2026-11-02", 3, 160), ("2026-11-03", 2, 20)]
    assert sum(r["runs"] for r in stats_rows(store, by=("project",))) == 7
    assert [r["runs"] for r in stats_rows(store, by=("status",), project="stats")] == [1, 4, 1]
    with pytest.raises(InputError, match="Cannot group"):
        stats_rows(store, by=("colour",))
    with pytest.raises(UnknownProjectError):
        stats_rows(store, project="nope")
    assert stats_rows(store, by=("agent",), project=store.create_project("idle").id) == []


def test_the_chart_is_well_formed_svg(store: Store) -> None:
    _runs(store)
    chart = stats_chart(stats_by_day(store))
    root = ET.fromstring(chart.svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("aria-label") == "Tokens and cost per day"
    assert len(root.findall(f".//{ns}rect")) == 3 * 2 + 3  # two stacked bars a day + legend
    assert len(root.findall(f".//{ns}circle")) == 3
    titles = [t.text for t in root.iter(f"{ns}title")]
    assert titles[0] == "2026-11-01: 400 in, 600 out, $0.0400"
    assert chart._repr_svg_() == chart.svg and chart.svg in chart._repr_html_()
    assert "No runs yet" in stats_chart([]).svg
    with pytest.raises(InputError, match="per day"):
        stats_chart(stats_rows(store))


def test_stats_needs_no_duckdb_extension_download(store: Store) -> None:
    _runs(store)
    stats_rows(store)
    con = duckdb.connect()
    installed = con.execute("SELECT extension_name FROM duckdb_extensions() WHERE install_mode = 'REPOSITORY'").fetchall()
    assert installed == []


def test_the_csv_loader_for_older_duckdb_gives_the_same_table() -> None:
    from vibing2_lab.store.stats import TABLES, _load, _load_via_csv

    rows = [(1, 2, "a,b", "", "m\r\n2", "error", 3, 4, 0.5, None, 1.0, "r", None, "2026-11-01T00:00:00Z")]
    con = duckdb.connect()
    _load(con, "runs", TABLES["runs"], rows)
    con.execute(f"CREATE TABLE old ({', '.join(f'{c} {t}' for c, t in TABLES['runs'])})")
    _load_via_csv(con, "old", TABLES["runs"], rows)
    assert con.execute("SELECT * FROM old").fetchall() == con.execute("SELECT * FROM runs").fetchall() == rows


def test_export_parquet_writes_the_projects_tables(store: Store, tmp_path: Path) -> None:
    pid = _runs(store)
    store.save_project(Project(name="stats", messages=[Message("user", "hi"), Message("assistant", "yo", status="cancelled")],
                               files=[ProjectFile("index.html", "<p>")]))
    store.create_project("other")
    written = export_parquet(store, "stats", tmp_path / "pq")
    assert sorted(p.name for p in written) == ["files.parquet", "messages.parquet", "projects.parquet", "runs.parquet"]
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == sorted(p.name for p in written)
    con = duckdb.connect()
    read = lambda name: con.execute(f"SELECT * FROM read_parquet('{tmp_path / 'pq' / name}.parquet')")  # noqa: E731
    assert read("projects").fetchall()[0][:2] == (pid, "stats")
    assert [(r[4], r[5], r[7]) for r in read("messages").fetchall()] == [("user", "hi", "complete"),
                                                                         ("assistant", "yo", "cancelled")]
    assert read("runs").fetchall().__len__() == 6
    created_type = [d[1] for d in read("files").description if d[0] == "created"][0]
    assert "TIMESTAMP" in str(created_type).upper()
