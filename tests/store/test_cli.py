"""`vibing2-lab projects ...` and `vibing2-lab stats`, run as real subprocesses on a real store."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from vibing2_lab.store import Run, Store


def _ok(*args: str) -> str:
    out = run_cli(*args)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _fails(*args: str, match: str) -> str:
    out = run_cli(*args)
    assert out.returncode == 1 and out.stdout == ""
    line = out.stderr.strip()
    assert "\n" not in line and line.startswith("vibing2-lab: error: ") and match in line, line
    return line


def test_list_show_rename_delete(store: Store) -> None:
    assert "No projects yet" in _ok("projects", "list")
    assert json.loads(_ok("projects", "list", "--json")) == []
    _ok("projects", "create", "todo", "--agents", "frontend,backend")
    p = store.get_project("todo")
    store.add_message(p.id, "user", "Build it")
    store.add_message(p.id, "assistant", "Half", status="cancelled")
    store.update_files(p.id, {"index.html": "<p>"})

    rows = json.loads(_ok("projects", "list", "--json"))
    assert [(r["name"], r["messages"], r["files"]) for r in rows] == [("todo", 2, 1)]
    assert rows[0]["updated"] == store.get_project("todo").updated
    table = _ok("projects", "list")
    assert table.splitlines()[0].split() == ["name", "type", "messages", "files", "updated", "owner", "visibility",
                                            "updated_by"] and "todo" in table

    shown = json.loads(_ok("projects", "show", "todo", "--json"))
    assert [m["content"] for m in shown["messages"]] == ["Build it", "Half"]
    assert shown["agents"] == ["frontend", "backend"] and shown["files"][0]["path"] == "index.html"
    text = _ok("projects", "show", "todo")
    assert "[cancelled]" in text and "index.html" in text

    assert "Forked" in _ok("projects", "fork", "todo", "todo-copy")
    assert store.get_project("todo-copy").file_map() == {"index.html": "<p>"}
    _ok("projects", "delete", "todo-copy", "--yes")
    assert "Renamed" in _ok("projects", "rename", "todo", "done")
    _fails("projects", "delete", "done", match="--yes")  # stdin is not a terminal
    assert [s.name for s in store.list_projects()] == ["done"]
    assert "Deleted" in _ok("projects", "delete", "done", "--yes")
    assert store.list_projects() == []


def test_errors_are_one_line_with_a_hint(store: Store) -> None:
    store.create_project("dashboard")
    assert "Did you mean 'dashboard'" in _fails("projects", "show", "dashbord", match="No project")
    _fails("projects", "create", " spaced", match="whitespace")
    _fails("projects", "rename", "dashboard", "x" * 200, match="limit is 120")
    _fails("projects", "export", "dashboard", "--to", "nb.txt", "--format", "ipynb", match="not a .ipynb path")


def test_export_files_and_parquet(store: Store, tmp_path: Path) -> None:
    p = store.create_project("site")
    store.update_files(p.id, {"index.html": "<p>hi</p>", "js/app.js": "go()"})
    out = _ok("projects", "export", "site", "--to", str(tmp_path / "files"))
    assert out.split() == [str(tmp_path / "files" / "index.html"), str(tmp_path / "files" / "js" / "app.js")]
    assert (tmp_path / "files" / "js" / "app.js").read_text() == "go()"

    _ok("projects", "export", "site", "--to", str(tmp_path / "pq"), "--format", "parquet")
    assert sorted(f.name for f in (tmp_path / "pq").iterdir()) == [
        "files.parquet", "messages.parquet", "projects.parquet", "runs.parquet"]

    (tmp_path / "outside").mkdir()
    (tmp_path / "trap").mkdir()
    (tmp_path / "trap" / "js").symlink_to(tmp_path / "outside")
    _fails("projects", "export", "site", "--to", str(tmp_path / "trap"), match="outside")
    assert list((tmp_path / "outside").iterdir()) == [] and sorted(p.name for p in (tmp_path / "trap").iterdir()) == ["js"]


def test_stats_table_and_json(store: Store) -> None:
    assert "No runs recorded yet" in _ok("stats")
    for status in ("complete", "complete", "error"):
        store.record_run(Run(agent="frontend", provider="anthropic", model="claude-x", status=status,
                             input_tokens=10, output_tokens=20, cost_usd=0.5, ttft_s=0.25))
    rows = json.loads(_ok("stats", "--json"))
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ("agent", "model", "runs", "errors", "input_tokens", "output_tokens")} == {
        "agent": "frontend", "model": "claude-x", "runs": 3, "errors": 1, "input_tokens": 30, "output_tokens": 60}
    table = _ok("stats", "--by", "day")
    assert table.splitlines()[0].split()[:3] == ["day", "runs", "errors"] and "0.3333" in table
    _fails("stats", "--by", "colour", match="Cannot group")
