"""The SQLite layer: pragmas, migrations (blank and first schema), per-process sharing, errors."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from tests.store.conftest import start_worker
from vibing2_lab.errors import StoreError
from vibing2_lab.store import Store
from vibing2_lab.store.db import open_database
from vibing2_lab.store.migrations import MIGRATIONS, migrate

FIRST_SCHEMA = Path(__file__).with_name("first_schema.sql")


def _schema(path: Path) -> dict[str, object]:
    """Every table's columns and every index, as SQLite reports them."""
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    shape = {t: conn.execute(f"PRAGMA table_info({t})").fetchall() for t in tables}
    shape["indexes"] = conn.execute(
        "SELECT name, tbl_name FROM sqlite_master WHERE type='index' ORDER BY name").fetchall()
    shape["foreign_keys"] = {t: conn.execute(f"PRAGMA foreign_key_list({t})").fetchall() for t in tables}
    conn.close()
    return shape


def test_a_blank_database_gets_wal_timeouts_and_every_migration(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "new.db")
    conn = store._db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    names = [r[0] for r in conn.execute("SELECT name FROM _vibing2_migrations ORDER BY rowid")]
    assert names == [m.__name__ for m in MIGRATIONS]
    assert migrate(conn) == []  # idempotent
    store.close()


def test_the_first_schema_migrates_to_the_current_one_and_keeps_its_data(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.executescript(FIRST_SCHEMA.read_text())
    conn.close()

    store = Store.open(old)
    project = store.get_project("old-app")
    assert [(m.role, m.content, m.status, m.conversation) for m in project.messages] == [
        ("user", "Build a todo app", "complete", 1), ("assistant", "Here it is.", "complete", 1)]
    assert project.agents == ["frontend"] and project.file_map() == {"index.html": "<h1>todo</h1>"}
    assert [(r.agent, r.input_tokens, r.request_id) for r in store.runs()] == [("frontend", 10, "req_1")]
    # The migrated file works like a new one, and has exactly the same shape.
    store.add_message(project.id, "user", "and now?", status="cancelled")
    assert store.history(project.id)[-1].status == "cancelled"
    store.close()
    blank = Store.open(tmp_path / "blank.db")
    blank.close()
    assert _schema(old) == _schema(tmp_path / "blank.db")


def test_a_database_from_a_newer_version_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _vibing2_migrations VALUES ('m999_future', '2030-01-01T00:00:00Z')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer vibing2-lab") as info:
        Store.open(path)
    assert "pip install -U" in info.value.hint


def test_processes_opening_a_blank_database_at_once_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    workers = [start_worker("write", str(path), "1", "0", "x") for _ in range(4)]
    outputs = [w.communicate(timeout=60) for w in workers]
    assert [w.returncode for w in workers] == [0] * 4, outputs
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM _vibing2_migrations").fetchone()[0] == len(MIGRATIONS)
    conn.close()


def test_one_connection_per_process_shared_by_threads(store: Store) -> None:
    assert Store.open()._db is store._db
    project = store.create_project("threads")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(100):
                store.add_message(project.id, "user", f"t{n}-{i}")
                store.history(project.id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.history(project.id)) == 600


def _child_writes(path: str, project_id: int) -> None:
    Store.open(path).add_message(project_id, "user", "from the child")


def test_a_forked_child_uses_its_own_connection(store: Store) -> None:
    project = store.create_project("forked")
    child = multiprocessing.get_context("fork").Process(target=_child_writes, args=(store.location, project.id))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert [m.content for m in store.history(project.id)] == ["from the child"]
    assert open_database(store.location) is store._db  # the parent's connection is untouched


def test_a_file_that_is_not_a_database_gives_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert str(path) in str(info.value) and info.value.hint


def test_processes_opening_a_blank_postgresql_database_at_once_migrate_it_once(postgresql_url: str) -> None:
    workers = [start_worker("write", postgresql_url, "1", "0", "x") for _ in range(4)]
    outputs = [w.communicate(timeout=60) for w in workers]
    assert [w.returncode for w in workers] == [0] * 4, outputs
    store = Store.open(postgresql_url)
    with store._db.read() as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM _vibing2_migrations ORDER BY rowid")]
    assert names == [m.__name__ for m in MIGRATIONS]
    assert store.path is None and store.location == postgresql_url


def test_a_postgresql_database_from_a_newer_version_is_refused_clearly(postgresql_url: str) -> None:
    store = Store.open(postgresql_url)
    with store._db.write() as conn:
        conn.execute("INSERT INTO _vibing2_migrations VALUES ('m999_future', '2030-01-01T00:00:00Z')")
    store.close()
    with pytest.raises(StoreError, match="newer vibing2-lab") as info:
        Store.open(postgresql_url)
    assert "pip install -U" in info.value.hint


def test_an_unreachable_postgresql_gives_a_store_error_without_the_password(postgresql_server) -> None:
    from tests.postgres import _free_port

    url = f"postgresql://alice:s3cret-pw@127.0.0.1:{_free_port()}/nothing"
    with pytest.raises(StoreError) as info:
        Store.open(url)
    text = f"{info.value} {info.value.hint}"
    assert "s3cret-pw" not in text and "alice:***@127.0.0.1" in text
    assert "VIBING2_LAB_DATABASE_URL" in info.value.hint


def test_a_database_url_that_is_not_postgresql_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from vibing2_lab.errors import ConfigError

    monkeypatch.setenv("VIBING2_LAB_DATABASE_URL", "mysql://db/x")
    with pytest.raises(ConfigError, match="postgresql://"):
        Store.open()


def test_the_configured_database_url_follows_config_yaml_as_it_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """config.yaml's `database_url` is read once per version of the file (the server opens the
    store per request): an edit is seen at the next open, and a bad URL written there is refused."""
    from vibing2_lab.errors import ConfigError
    from vibing2_lab.paths import config_path, database_url

    monkeypatch.delenv("VIBING2_LAB_DATABASE_URL", raising=False)
    path = config_path()
    assert database_url() is None  # no config file
    path.write_text("database_url: postgresql://db.example/one\n")
    assert database_url() == "postgresql://db.example/one"
    path.write_text("database_url: postgresql://db.example/two-longer\n")
    assert database_url() == "postgresql://db.example/two-longer"
    path.write_text("database_url: mysql://db.example/x\n")
    with pytest.raises(ConfigError, match="postgresql://"):
        database_url()
    path.write_text("database_url: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        database_url()
    path.unlink()
    assert database_url() is None
    monkeypatch.setenv("VIBING2_LAB_DATABASE_URL", "postgresql://env.example/wins")
    path.write_text("database_url: postgresql://db.example/one\n")
    assert database_url() == "postgresql://env.example/wins"
