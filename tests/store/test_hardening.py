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


# -- D11: an unusable home is one line that says what to fix; a read-only home still reads -----
def _cli(*args: str, home: str, obey_permissions: bool = False):
    """The CLI in a real process; with `obey_permissions`, root loses the capability to ignore
    file modes (setpriv), so a read-only folder is read-only for it too."""
    import os
    import subprocess
    import sys

    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"] if obey_permissions else []
    return subprocess.run([*prefix, sys.executable, "-m", "vibing2_lab.cli", *args], capture_output=True,
                          text=True, env={**os.environ, "VIBING2_LAB_HOME": home}, timeout=60)


@pytest.mark.parametrize("make, why", [
    (lambda tmp: "/dev/null/x", "a part of it is a file"),
    (lambda tmp: (tmp / "file").write_text("x") and str(tmp / "file"), "a file is in the way"),
    (lambda tmp: "/sys/vibing2-lab-home", "permission denied"),
])
def test_unusable_home_is_one_line(tmp_path, make, why: str) -> None:
    home = make(tmp_path)
    for args in (["projects", "list"], ["ask", "hello"], ["agents", "list"], ["stats"]):
        result = _cli(*args, home=home)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and why in lines[0] and "VIBING2_LAB_HOME" in lines[0], (args, result.stderr)


def _needs_setpriv() -> None:
    import shutil

    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to drop root's permission override")


def test_permission_denied_home_is_one_line(tmp_path) -> None:
    _needs_setpriv()
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    result = _cli("projects", "list", home=str(locked / "home"), obey_permissions=True)
    assert result.returncode == 1 and "permission denied" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_read_only_home_still_allows_reading(tmp_path) -> None:
    _needs_setpriv()
    home = tmp_path / "home"
    home.mkdir()
    seeded = _cli("projects", "create", "readable", home=str(home))
    assert seeded.returncode == 0, seeded.stderr
    Store.open(home / "vibing2.db").close()  # no -wal left behind: the hard case for a reader
    for f in home.iterdir():
        f.chmod(0o444)
    home.chmod(0o555)
    try:
        listed = _cli("projects", "list", "--json", home=str(home), obey_permissions=True)
        assert listed.returncode == 0, listed.stderr
        assert [p["name"] for p in __import__("json").loads(listed.stdout)] == ["readable"]
        shown = _cli("projects", "show", "readable", home=str(home), obey_permissions=True)
        assert shown.returncode == 0, shown.stderr
        wrote = _cli("projects", "create", "another", home=str(home), obey_permissions=True)
        assert wrote.returncode == 1 and len(wrote.stderr.strip().splitlines()) == 1
        assert "readonly" in wrote.stderr or "read-only" in wrote.stderr, wrote.stderr
    finally:
        home.chmod(0o755)


# -- also seen: a damaged store, a foreign SQLite file ------------------------------------------
def test_a_database_with_a_corrupt_page_is_refused_and_left_alone(tmp_path) -> None:
    import sqlite3

    from vibing2_lab.errors import StoreError

    path = tmp_path / "vibing2.db"
    store = Store.open(path)
    project = store.create_project("big")
    store.update_files(project.id, {f"f{i}.txt": "x" * 3000 for i in range(60)})
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'files'").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start:start + 12] = b"\xa5" * 12  # scribble over the header of the files table's root page
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(StoreError, match="damaged|malformed|unusable") as info:
        Store.open(path)
    assert info.value.hint
    assert path.read_bytes() == before  # not written any further


def test_a_foreign_sqlite_file_is_refused_before_wal(tmp_path) -> None:
    import sqlite3

    from vibing2_lab.errors import StoreError

    path = tmp_path / "vibing2.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (9.5)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another program") as info:
        Store.open(path)
    assert "invoices" in str(info.value)
    assert path.read_bytes() == before and not (tmp_path / "vibing2.db-wal").exists()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


# -- a project's type and agents are printed to everyone it is shared with ------------------
@pytest.mark.parametrize("type_, agents, why", [
    ("\x1b]0;owned\x07notebook", (), "control characters"),  # a terminal title escape in `projects list`
    ("notebook", ("sql-expert", "evil\x1b[2J"), "control characters"),
    ("web\u202eppa", (), "control characters"),  # a right-to-left override: it would print reversed
    ("x" * 101, (), "101 characters long"),
    ("", (), "non-empty text"),
    ("notebook", ("",), "non-empty text"),
])
def test_a_project_type_or_agent_that_would_not_print_as_it_reads_is_refused(store: Store, type_: str,
                                                                            agents: tuple[str, ...], why: str) -> None:
    with pytest.raises(ProjectError, match=why):
        store.create_project("shown", type=type_, agents=agents)
    assert store.list_projects() == []
    assert store.create_project("shown", type="web app", agents=["sql-expert"]).type == "web app"
