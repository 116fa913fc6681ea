"""Projects ⇄ notebooks: export, import, round trip, and replay of an exported notebook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.errors import ExportError, ProjectError
from vibing2_lab.notebook.export import export_notebook, import_notebook
from vibing2_lab.notebook.record import records_in_notebook as notebook_records
from vibing2_lab.notebook.render import render_bundle
from vibing2_lab.session import Ask, Session
from vibing2_lab.store import Store

PAGE = "A page:\n\n```html title=index.html\n<p>héllo</p>\n```\n"


@pytest.fixture
def project(fake_model: FakeModelServer) -> str:
    fake_model.enqueue(Reply(text=PAGE), Reply(text="API: GET /x"), Reply(text="schema: t(id)"),
                       Reply(text="half an ans", fault="error_event", after=2))
    list(Session(Ask("make a page", project="site", agent="fullstack-developer", cell_id="c-one")).stream())
    list(Session(Ask("design it", project="site", agents=["backend-api-developer", "database-architect"])).stream())
    list(Session(Ask("and {braces} stay", project="site")).stream())
    return "site"


def test_export_has_one_vibe_cell_per_prompt_with_its_record_and_static_output(project: str) -> None:
    nb = export_notebook(Store.open(), project)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code[0]["source"] == "%load_ext vibing2_lab"
    sources = [c["source"] for c in code[1:]]
    assert sources[0].startswith("%%vibe -p site --agent fullstack-developer -m anthropic:claude-sonnet-4-5")
    assert "--agents backend-api-developer,database-architect" in sources[1].splitlines()[0]
    assert sources[2].endswith("\nand {braces} stay") and "--no-interpolate" in sources[2]
    records = notebook_records(nb)
    assert [r["prompt"] for _, r in records] == ["make a page", "design it", "and {braces} stay"]
    assert records[0][0] == "c-one" and records[0][1]["cell_id"] == "c-one"
    assert [len(r["calls"]) for _, r in records] == [1, 2, 1]
    assert records[2][1]["calls"][0]["response"]["status"] == "error"
    for cell, (_, record) in zip(code[1:], records):
        assert cell["outputs"][0]["data"] == render_bundle(record)


def test_round_trip_export_import_export_is_identical(project: str, tmp_path: Path) -> None:
    first = tmp_path / "first.ipynb"
    out = run_cli("projects", "export", project, "--to", str(first))
    assert out.returncode == 0, out.stderr
    Store.open().delete_project(project)
    out = run_cli("projects", "import", str(first))
    assert out.returncode == 0 and "Imported" in out.stdout, out.stderr
    imported = Store.open().get_project(project)
    assert imported.file_map() == {"index.html": "<p>héllo</p>\n"}
    assert [m.status for m in imported.messages if m.role == "assistant"] == ["complete", "complete", "complete", "error"]
    assert len(Store.open().runs(project_id=imported.id)) == 4
    second = tmp_path / "second.ipynb"
    assert run_cli("projects", "export", project, "--to", str(second)).returncode == 0
    assert second.read_bytes() == first.read_bytes()


def test_import_refuses_an_existing_name_and_a_notebook_without_records(project: str, tmp_path: Path) -> None:
    path = tmp_path / "s.ipynb"
    path.write_text(json.dumps(export_notebook(Store.open(), project)))
    before = Store.open().get_project(project)
    with pytest.raises(ProjectError, match="already exists"):
        import_notebook(Store.open(), path)
    assert Store.open().get_project(project).messages == before.messages
    empty = tmp_path / "empty.ipynb"
    empty.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "1", "outputs": []}]}))
    with pytest.raises(ExportError, match="no vibing2-lab records"):
        import_notebook(Store.open(), empty, name="other")
    assert "other" not in [p.name for p in Store.open().list_projects()]


def test_an_exported_project_replays_identically(project: str, tmp_path: Path) -> None:
    """Issue 11 D12: export then `vibing2-lab replay` reports no changed cell (cell ids kept)."""
    path = tmp_path / "p.ipynb"
    assert run_cli("projects", "export", project, "--to", str(path)).returncode == 0
    out = run_cli("replay", "--json", str(path), timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr
    assert json.loads(out.stdout) == []
