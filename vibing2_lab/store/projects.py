"""The project store's public face: `Store`, with project operations here and the
message and run operations mixed in from messages.py and runs.py.

    store = Store.open()                      # <VIBING2_LAB_HOME>/vibing2.db, shared per process
    project = store.ensure_project("my-app")
    store.add_message(project.id, "user", "Build a todo app")
    store.get_project("my-app").messages      # the current conversation
"""

from __future__ import annotations

import difflib
import json
import sqlite3
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import ProjectError, UnknownFileError, UnknownProjectError
from . import access
from .access import VISIBLE_SQL
from .db import AnyDatabase, forget_database, is_database_url, open_database
from .export import safe_relative_path
from .messages import MessageOps, message_rows
from .naming import NamingOps
from .rows import (Project, ProjectFile, ProjectSummary, check_choice, utc_now, validate_label,
                   validate_project_name)
from .runs import RunOps
from .saving import save_files, save_messages
from .versions import VersionOps, copy_versions, replace_files, snapshot, version_contents

_PROJECT_COLUMNS = "id, name, type, agents, conversation, forked_from, created, updated, owner, visibility, updated_by"
_FILE_COLUMNS = "path, content, language, id, project_id, created, updated"

_LIST_SQL = f"""
SELECT p.id, p.name, p.type,
       (SELECT count(*) FROM messages m WHERE m.project_id = p.id),
       (SELECT count(*) FROM files f WHERE f.project_id = p.id),
       p.created, p.updated,
       coalesce((SELECT max(r.created) FROM runs r WHERE r.project_id = p.id AND r.created > p.updated),
                p.updated) AS last_activity,
       p.owner, p.visibility, p.updated_by
FROM projects p WHERE {VISIBLE_SQL} ORDER BY last_activity DESC, p.id DESC
"""


class Store(MessageOps, RunOps, VersionOps, NamingOps):
    """Projects, their conversations, generated files and model runs, in one SQLite file."""

    def __init__(self, db: AnyDatabase, user: str | None = None) -> None:
        self._db = db
        # Whose store this is: they see their own projects and the shared ones (access.py).
        self.user = access.check_user(user) if user is not None else access.current_user()

    @classmethod
    def open(cls, path: Path | str | None = None, *, user: str | None = None) -> Store:
        """The store at `path` (a file, or a postgresql:// URL); by default the configured
        database URL if any (VIBING2_LAB_DATABASE_URL, `database_url`), else
        `<VIBING2_LAB_HOME>/vibing2.db`. Migrated and ready. `user` (default: JUPYTERHUB_USER or
        the OS user) owns what it creates and sees its own and the shared projects."""
        if path is None:
            from ..paths import database_path, database_url

            path = database_url() or database_path()
        return cls(open_database(path if is_database_url(path) else Path(path)), user)

    def is_admin(self) -> bool:
        """May this connection read every user's data (stats --all-users)?"""
        return self._db.is_admin()

    def as_user(self, user: str) -> Store:
        """The same store seen by another identity (the server: the request's Jupyter user)."""
        return Store(self._db, user)

    @property
    def path(self) -> Path | None:
        """The SQLite file (None on PostgreSQL: see `location`)."""
        return self._db.path

    @property
    def location(self) -> str:
        """The file path or the (password-redacted) database URL; `Store.open(location)` reopens it
        unless the URL had a password."""
        return self._db.location

    def close(self) -> None:
        """Close this process's shared connection to the file (for every Store of this path);
        the next `Store.open` opens a new one."""
        forget_database(self._db)

    # -- projects ---------------------------------------------------------------------

    def create_project(self, name: str, *, type: str = "notebook", agents: Sequence[str] = ()) -> Project:
        """A new, empty project; ProjectError if the name, the type or an agent name is bad, or the
        name is taken."""
        validate_project_name(name)
        validate_label(type, "type")
        for agent in agents:
            validate_label(agent, "agent name")
        now = utc_now()
        with self._db.write() as conn:
            _refuse_taken(conn, name)
            cur = conn.execute(
                "INSERT INTO projects (name, type, agents, created, updated, owner, updated_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", (name, type, json.dumps(list(agents)), now, now, self.user, self.user))
        return Project(name=name, type=type, agents=list(agents), id=cur.lastrowid, created=now, updated=now,
                       owner=self.user, updated_by=self.user)

    def get_project(self, ref: str | int) -> Project:
        """The project (by name or id) with its current conversation and its files."""
        with self._db.read() as conn:
            return _load_project(conn, access.resolve(conn, ref, self.user))

    def ensure_project(self, name: str, **kw: Any) -> Project:
        """The project called `name`, created (with `kw`) if it does not exist yet."""
        validate_project_name(name)  # a bad name is a ProjectError saying why, not "no such project"
        with self._db.read() as conn:  # per stream: no "did you mean" search over every name
            pid = access.find(conn, name, self.user)
            if pid is not None:
                return _load_project(conn, pid)
        try:
            return self.create_project(name, **kw)
        except ProjectError:  # another process created it in between
            return self.get_project(name)

    def list_projects(self) -> list[ProjectSummary]:
        """Every project with message and file counts, most recently active first."""
        with self._db.read() as conn:
            return [ProjectSummary(*row) for row in conn.execute(_LIST_SQL, (self.user,))]

    def set_visibility(self, ref: str | int, visibility: str) -> Project:
        """Share a project with every user of the store, or make it private again (owner only)."""
        check_choice(visibility, access.VISIBILITIES, "visibility")
        with self._db.write() as conn:
            pid = access.resolve(conn, ref, self.user)
            access.require_owner(conn, pid, self.user, "share or unshare")
            conn.execute("UPDATE projects SET visibility = ?, updated = ?, updated_by = ? WHERE id = ?",
                         (visibility, utc_now(), self.user, pid))
        return self.get_project(pid)

    def rename_project(self, ref: str | int, new_name: str) -> Project:
        """Give a project a new (valid, unused) name."""
        validate_project_name(new_name)
        with self._db.write() as conn:
            pid = access.resolve(conn, ref, self.user)
            access.require_owner(conn, pid, self.user, "rename")
            _refuse_taken(conn, new_name, except_id=pid)
            conn.execute("UPDATE projects SET name = ?, updated = ?, updated_by = ? WHERE id = ?",
                         (new_name, utc_now(), self.user, pid))
        return self.get_project(pid)

    def delete_project(self, ref: str | int) -> None:
        """Delete a project with its messages and files (its runs stay, for usage stats)."""
        with self._db.write() as conn:
            pid = access.resolve(conn, ref, self.user)
            access.require_owner(conn, pid, self.user, "delete")
            conn.execute("DELETE FROM projects WHERE id = ?", (pid,))
            # Contents no version refers to any more (versions went with the project).
            conn.execute("DELETE FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM version_files)")

    def fork_project(self, ref: str | int, new_name: str, *, at_version: int | None = None) -> Project:
        """A copy of a project (all conversations, files and versions) under a new name; with
        `at_version`, its versions up to that one and that version's files."""
        validate_project_name(new_name)
        now = utc_now()
        with self._db.write() as conn:
            src = access.resolve(conn, ref, self.user)
            _refuse_taken(conn, new_name)
            files_at = None if at_version is None else version_contents(conn, src, at_version)
            pid = conn.execute(
                "INSERT INTO projects (name, type, agents, conversation, forked_from, created, updated, owner,"
                " updated_by) SELECT ?, type, agents, conversation, id, ?, ?, ?, ? FROM projects WHERE id = ?",
                (new_name, now, now, self.user, self.user, src)).lastrowid
            conn.execute(
                "INSERT INTO messages (project_id, conversation, seq, role, content, agent, status, run_id,"
                " meta, created) SELECT ?, conversation, seq, role, content, agent, status, run_id, meta, created"
                " FROM messages WHERE project_id = ? ORDER BY seq", (pid, src))
            conn.execute(
                "INSERT INTO files (project_id, path, content, language, created, updated)"
                " SELECT ?, path, content, language, created, updated FROM files WHERE project_id = ?", (pid, src))
            copy_versions(conn, src, pid, upto=at_version)
            if files_at is not None:
                replace_files(conn, pid, files_at, now)
        return self.get_project(pid)

    def save_project(self, project: Project) -> Project:
        """Write a whole project in ONE transaction and return it as stored (ids filled in).

        The project row is matched by id, else by name (created if new). The current
        conversation becomes exactly `project.messages` (stored ones matched by id and
        updated if changed, new ones appended in order, missing ones deleted); the files
        become exactly `project.files` (upserted by path, missing paths deleted).
        """
        validate_project_name(project.name)
        files = {safe_relative_path(f.path): f for f in project.files}
        now = utc_now()
        with self._db.write() as conn:
            pid, created = _upsert_project_row(conn, project, now, self.user)
            messages = save_messages(conn, pid, project.conversation, project.messages, now)
            stored_files = save_files(conn, pid, files, now)
            snapshot(conn, pid, label="files saved", now=now)
            owner, visibility = conn.execute("SELECT owner, visibility FROM projects WHERE id = ?", (pid,)).fetchone()
        return Project(name=project.name, type=project.type, agents=list(project.agents), id=pid,
                       conversation=project.conversation, forked_from=project.forked_from,
                       created=created, updated=now, messages=messages, files=stored_files, owner=owner,
                       visibility=visibility, updated_by=self.user)

    def update_files(self, project_id: int, files: Mapping[str, str], *,
                     label: str = "files edited") -> list[ProjectFile]:
        """Upsert files by path in one transaction (other files are kept; a change makes a version
        named `label`); returns those given."""
        clean = {safe_relative_path(path): ProjectFile(path, content) for path, content in files.items()}
        now = utc_now()
        with self._db.write() as conn:
            pid = access.resolve(conn, project_id, self.user)
            stored = save_files(conn, pid, clean, now, prune=False)
            snapshot(conn, pid, label=label, now=now)
            access.touch(conn, pid, self.user, now)
        return stored


    def delete_files(self, ref: str | int, paths: Sequence[str]) -> list[str]:
        """Delete files of a project by path, all or none; UnknownFileError names a missing one."""
        clean = [safe_relative_path(p) for p in paths]
        with self._db.write() as conn:
            pid = access.resolve(conn, ref, self.user)
            stored = {r[0] for r in conn.execute("SELECT path FROM files WHERE project_id = ?", (pid,))}
            missing = [p for p in clean if p not in stored]
            if missing:
                close = difflib.get_close_matches(missing[0], sorted(stored), n=3)
                raise UnknownFileError(f"The project has no file {missing[0]!r}; nothing was deleted.",
                                       hint=f"Did you mean {', '.join(map(repr, close))}?" if close
                                       else "See its files with `vibing2-lab projects show NAME`.")
            conn.execute("DELETE FROM files WHERE project_id = ? AND path IN (SELECT value FROM json_each(?))",
                         (pid, json.dumps(clean)))
            now = utc_now()
            snapshot(conn, pid, label=f"deleted {', '.join(clean)}", now=now)  # a version without them
            access.touch(conn, pid, self.user, now)
        return clean


def _project_from_row(row: tuple) -> Project:
    pid, name, type_, agents, conversation, forked_from, created, updated, owner, visibility, updated_by = row
    return Project(name=name, type=type_, agents=json.loads(agents), id=pid, conversation=conversation,
                   forked_from=forked_from, created=created, updated=updated, owner=owner, visibility=visibility,
                   updated_by=updated_by)


def _refuse_taken(conn: sqlite3.Connection, name: str, *, except_id: int | None = None) -> None:
    row = conn.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
    if row is not None and row[0] != except_id:
        raise ProjectError(f"A project named {name!r} already exists.",
                           hint="Choose another name, or open the existing project.")


def _upsert_project_row(conn: sqlite3.Connection, project: Project, now: str, user: str) -> tuple[int, str]:
    """Update the project's row (by id, else by name) or insert it (owned by `user`); return (id, created)."""
    if project.id is not None:
        row = conn.execute(f"SELECT p.id, p.created FROM projects p WHERE p.id = ? AND {VISIBLE_SQL}",
                           (project.id, user)).fetchone()
        if row is None:
            raise UnknownProjectError(f"No project with id {project.id} (it may have been deleted).",
                                      hint="Save it without an id to create it again.")
        _refuse_taken(conn, project.name, except_id=project.id)
    else:
        row = conn.execute("SELECT id, created FROM projects WHERE name = ?", (project.name,)).fetchone()
        if row is not None:
            access.check(conn, row[0], user)  # another's private project of that name: not yours to overwrite
    values = (project.name, project.type, json.dumps(list(project.agents)), project.conversation,
              project.forked_from, now)
    if row is None:
        cur = conn.execute("INSERT INTO projects (name, type, agents, conversation, forked_from, updated, created,"
                           " owner, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (*values, project.created or now, user, user))
        return cur.lastrowid, project.created or now
    conn.execute("UPDATE projects SET name = ?, type = ?, agents = ?, conversation = ?, forked_from = ?,"
                 " updated = ?, updated_by = ? WHERE id = ?", (*values, user, row[0]))
    return row[0], row[1]


def _load_project(conn: Any, pid: int) -> Project:
    """The project with this id, its current conversation and its files (inside a read)."""
    row = conn.execute(f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE id = ?", (pid,)).fetchone()
    project = _project_from_row(row)
    project.messages = message_rows(conn, project.id, project.conversation)
    project.files = [ProjectFile(*r) for r in conn.execute(
        f"SELECT {_FILE_COLUMNS} FROM files WHERE project_id = ? ORDER BY path", (project.id,))]
    return project
