"""Issue 11 at the store: ids and names never ambiguous (D5), file names refused when written
by the rule export uses (D13), and a damaged or foreign database file (also seen)."""

from __future__ import annotations

import pytest

from vibing2_lab.errors import ProjectError, UnknownProjectError
from vibing2_lab.store import Store


# -- D5: a digit-only name would take over another project's id ---------------------------
@pytest.mark.parametrize("name", ["29", "0", "007", "٢٩", "²"])
def test_digit_only_names_are_refused(store: Store, name: str) -> None:
    with pytest.raises(ProjectError, match="only of digits"):
        store.create_project(name)
    with pytest.raises(ProjectError, match="only of digits"):
        store.ensure_project(name)
    keep = store.create_project("keep")
    with pytest.raises(ProjectError, match="only of digits"):
        store.rename_project(keep.id, name)
    with pytest.raises(ProjectError, match="only of digits"):
        store.fork_project(keep.id, name)
    assert [p.name for p in store.list_projects()] == ["keep"]


def test_a_digit_string_is_always_an_id(store: Store) -> None:
    important = store.create_project("important-work")
    other = store.create_project("other")
    # A name of digits stored by an older version must not shadow the id it spells.
    with store._db.write() as conn:
        conn.execute("UPDATE projects SET name = ? WHERE id = ?", (str(important.id), other.id))
    assert store.get_project(str(important.id)).name == "important-work"
    assert store.get_project(important.id).name == "important-work"
    store.delete_project(str(important.id))
    assert [p.id for p in store.list_projects()] == [other.id]


def test_superscript_digits_are_no_id(store: Store) -> None:
    with pytest.raises(UnknownProjectError):
        store.get_project("²")  # str.isdigit() says yes, int() says no


# -- D13: file names the store accepts must be names export can write ----------------------
@pytest.mark.parametrize("first, second, why", [
    ("Case.txt", "case.txt", "differ only in case"),
    ("clash", "clash/b", "is a file"),
    ("clash/b", "clash", "is a file"),
    ("Src", "src/app.js", "is a file"),
    ("ok.txt", "n" * 300 + ".txt", "longer than 255 bytes"),
    ("ok.txt", "d/" + "é" * 200 + "/x", "longer than 255 bytes"),  # 400 bytes in one folder name
])
def test_names_export_refuses_are_refused_when_written(store: Store, tmp_path, first: str, second: str,
                                                       why: str) -> None:
    from vibing2_lab.errors import ExportError

    project = store.create_project("files")
    store.update_files(project.id, {first: "1"})
    with pytest.raises(ExportError, match=why):
        store.update_files(project.id, {second: "2"})
    with pytest.raises(ExportError, match=why):
        store.update_files(project.id, {"other.txt": "0", first + ".bak": "0", second: "2"})  # all or nothing
    assert [f.path for f in store.get_project(project.id).files] == [first]
    # ... so whatever the store holds, export writes
    from vibing2_lab.store import export_files

    assert export_files(store.get_project(project.id).file_map(), tmp_path / "out")


def test_an_answer_keeps_its_text_when_a_file_clashes(store: Store) -> None:
    project = store.create_project("answers")
    store.update_files(project.id, {"Index.html": "<p>old</p>"})
    store.record_answer(project.id, "the answer", files={"index.html": "<p>new</p>", "app.js": "1"})
    loaded = store.get_project(project.id)
    assert loaded.messages[-1].content == "the answer"
    assert loaded.file_map() == {"Index.html": "<p>old</p>", "app.js": "1"}


def test_delete_files_all_or_none(store: Store) -> None:
    from vibing2_lab.errors import UnknownFileError

    project = store.create_project("del")
    store.update_files(project.id, {"a.txt": "1", "b/c.txt": "2", "d.txt": "3"})
    with pytest.raises(UnknownFileError, match="no file 'nope.txt'"):
        store.delete_files("del", ["a.txt", "nope.txt"])
    assert len(store.get_project("del").files) == 3
    assert store.delete_files(project.id, ["a.txt", "./b/c.txt"]) == ["a.txt", "b/c.txt"]
    assert [f.path for f in store.get_project("del").files] == ["d.txt"]
    # the freed names can be used again, even those that clashed before
    store.update_files(project.id, {"b": "now a file"})
