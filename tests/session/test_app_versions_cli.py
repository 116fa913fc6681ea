"""Vibe coding from the command line: two asks build an app and change it; versions, diff, revert, export, fork.

Real subprocesses of `vibing2-lab` against the fake model server and a real store.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.store import Store

INDEX = ('<!doctype html>\n<html><head><link rel="stylesheet" href="style.css"></head>\n'
         '<body><h1>Todo</h1><script type="module" src="app.js"></script></body></html>')
STYLE = "body { font-family: sans-serif; }\nh1 { color: black; }\nli { margin: 4px; }"
APP = "document.querySelector('h1').dataset.ready = 'yes';"
FIRST = (f"Here is your app.\n\n```html title=index.html\n{INDEX}\n```\n\n```css title=style.css\n{STYLE}\n```\n\n"
         f"```js title=app.js\n{APP}\n```\n")
SECOND = ("Done: the title is blue now.\n\n<FILE_EDIT path=\"style.css\">\n<<<<<<< SEARCH\nh1 { color: black; }\n"
          "=======\nh1 { color: blue; }\n>>>>>>> REPLACE\n</FILE_EDIT>\n")


def ok(*args: str) -> str:
    out = run_cli(*args)
    assert out.returncode == 0, out.stderr
    return out.stdout


def build_and_change(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text=FIRST), Reply(text=SECOND))
    ok("ask", "--project", "todo", "Build a todo app with index.html, style.css and app.js")
    ok("ask", "--project", "todo", "make the title blue")


def test_two_asks_make_two_versions_and_the_follow_up_changes_one_line(fake_model: FakeModelServer) -> None:
    build_and_change(fake_model)
    files = Store.open().get_project("todo").file_map()
    assert files["style.css"] == STYLE.replace("black", "blue") + "\n"  # one line changed, the rest kept
    assert (files["index.html"], files["app.js"]) == (INDEX + "\n", APP + "\n")

    # The follow-up told the model the current files, entry page first, and the edit format.
    system = fake_model.requests[1].body["system"]
    shown = system[system.index("Current files:"):]
    assert "<<<<<<< SEARCH" in system and shown.index("title=index.html") < shown.index("title=style.css")
    assert "h1 { color: black; }\nli" in shown
    assert "title=index.html" not in fake_model.requests[0].body.get("system", "")  # no files yet: no context

    versions = json.loads(ok("projects", "versions", "todo", "--json"))
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["added"] == ["app.js", "index.html", "style.css"] and versions[0]["changed"] == []
    assert (versions[1]["added"], versions[1]["changed"], versions[1]["removed"]) == ([], ["style.css"], [])
    assert versions[1]["message"] == "make the title blue" and versions[1]["created"] >= versions[0]["created"]
    table = ok("projects", "versions", "todo")
    assert table.splitlines()[0].split() == ["version", "created", "changes", "message"] and "~style.css" in table

    diff = ok("projects", "diff", "todo", "1", "2")
    assert diff.splitlines()[:2] == ["--- v1/style.css", "+++ v2/style.css"]
    assert "-h1 { color: black; }\n+h1 { color: blue; }\n" in diff and "index.html" not in diff


def test_revert_export_and_fork_at_a_version(fake_model: FakeModelServer, tmp_path: Path) -> None:
    build_and_change(fake_model)
    assert "now version 3" in ok("projects", "revert", "todo", "--to", "1")
    store = Store.open()
    assert "color: black" in store.get_project("todo").file_map()["style.css"]
    versions = store.versions("todo")
    assert [v.number for v in versions] == [1, 2, 3] and versions[2].changed == ["style.css"]
    assert store.version_files("todo", 3) == store.version_files("todo", 1)  # equal to 1, and 2 is kept
    assert "color: blue" in store.version_files("todo", 2)["style.css"]

    ok("projects", "export", "todo", "--to", str(tmp_path / "app.zip"))
    with zipfile.ZipFile(tmp_path / "app.zip") as archive:
        assert sorted(archive.namelist()) == ["app.js", "index.html", "style.css"]
        assert "color: black" in archive.read("style.css").decode()
    ok("projects", "export", "todo", "--to", str(tmp_path / "v2.zip"), "--version", "2")
    with zipfile.ZipFile(tmp_path / "v2.zip") as archive:
        assert "color: blue" in archive.read("style.css").decode()

    assert "at version 2" in ok("projects", "fork", "todo", "todo-blue", "--at-version", "2")
    assert [v.number for v in store.versions("todo-blue")] == [1, 2]
    assert "color: blue" in store.get_project("todo-blue").file_map()["style.css"]


def test_bad_version_numbers_are_one_line_errors(fake_model: FakeModelServer, tmp_path: Path) -> None:
    build_and_change(fake_model)
    for args in (("projects", "diff", "todo", "1", "9"), ("projects", "revert", "todo", "--to", "7"),
                 ("projects", "export", "todo", "--to", str(tmp_path / "x.zip"), "--version", "5")):
        out = run_cli(*args)
        assert out.returncode == 1 and out.stderr.count("\n") == 1 and "no version" in out.stderr, out.stderr
    out = run_cli("projects", "revert", "todo", "--to", "2")
    assert out.returncode == 1 and "nothing to revert" in out.stderr
    assert not (tmp_path / "x.zip").exists()
    assert len(Store.open().versions("todo")) == 2  # nothing was added by the failures


def test_an_exported_notebook_imports_back_with_the_same_files_and_versions(fake_model: FakeModelServer,
                                                                            tmp_path: Path) -> None:
    build_and_change(fake_model)
    ok("projects", "export", "todo", "--to", str(tmp_path / "todo.ipynb"))
    ok("projects", "import", str(tmp_path / "todo.ipynb"), "--name", "todo-again")
    store = Store.open()
    assert store.get_project("todo-again").file_map() == store.get_project("todo").file_map()
    assert [(v.added, v.changed) for v in store.versions("todo-again")] == \
        [(["app.js", "index.html", "style.css"], []), ([], ["style.css"])]  # the edit replayed as an edit
