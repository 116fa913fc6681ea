"""Versions of a project's files: each change of the files makes a numbered version.

The `files` table stays the current state (everything else reads it). A version is a list of
(path, sha256) rows; contents live once in `blobs`, keyed by their hash, so a file that did not
change is shared by every version (and every fork) instead of copied. `snapshot()` is called in
the same transaction as each write of the files: it adds a version only when they differ from
the latest one.

    store.versions("my-app")               # [Version(number=1, ...), Version(number=2, ...)]
    store.diff("my-app", 1, 2)             # a unified diff of the files
    store.revert("my-app", to=1)           # version 3, equal to version 1
"""

from __future__ import annotations

import difflib
import hashlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from ..errors import InputError
from .rows import ProjectFile, Version, utc_now

if TYPE_CHECKING:
    from .db import Database

MAX_LABEL = 200  # characters of the prompt kept as the version's message


def sha256(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()


def snapshot(conn: sqlite3.Connection, project_id: int, *, label: str, now: str,
             message_id: int | None = None) -> int | None:
    """Record the project's current files as a new version if they differ from the latest; its number."""
    current = {path: (content, sha256(content)) for path, content in
               conn.execute("SELECT path, content FROM files WHERE project_id = ?", (project_id,))}
    latest = conn.execute("SELECT id, number FROM versions WHERE project_id = ? ORDER BY number DESC LIMIT 1",
                          (project_id,)).fetchone()
    before = _manifest(conn, latest[0]) if latest else {}
    if {p: h for p, (_, h) in current.items()} == before:
        return None
    number = (latest[1] if latest else 0) + 1
    conn.executemany("INSERT OR IGNORE INTO blobs (sha256, content) VALUES (?, ?)",
                     [(h, c) for c, h in current.values()])
    vid = conn.execute("INSERT INTO versions (project_id, number, message_id, label, created) VALUES (?, ?, ?, ?, ?)",
                       (project_id, number, message_id, _label(label), now)).lastrowid
    conn.executemany("INSERT INTO version_files (version_id, path, sha256) VALUES (?, ?, ?)",
                     [(vid, p, h) for p, (_, h) in current.items()])
    return number


def _label(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_LABEL else line[:MAX_LABEL - 1] + "…"


def _manifest(conn: sqlite3.Connection, version_id: int) -> dict[str, str]:
    return dict(conn.execute("SELECT path, sha256 FROM version_files WHERE version_id = ?", (version_id,)))


def _version_id(conn: sqlite3.Connection, project_id: int, number: int) -> int:
    row = conn.execute("SELECT id FROM versions WHERE project_id = ? AND number = ?",
                       (project_id, number)).fetchone()
    if row is None:
        last = conn.execute("SELECT max(number) FROM versions WHERE project_id = ?", (project_id,)).fetchone()[0]
        raise InputError(f"The project has no version {number}" + (f" (versions 1 to {last})." if last else
                                                                     " (it has no versions yet)."),
                         hint="See them with `vibing2-lab projects versions NAME`.")
    return row[0]


def version_contents(conn: sqlite3.Connection, project_id: int, number: int) -> dict[str, str]:
    """The files of one version as {path: content}, sorted by path."""
    vid = _version_id(conn, project_id, number)
    return dict(conn.execute("SELECT v.path, b.content FROM version_files v JOIN blobs b USING (sha256)"
                             " WHERE v.version_id = ? ORDER BY v.path", (vid,)))


def version_rows(conn: sqlite3.Connection, project_id: int) -> list[Version]:
    """Every version of a project, oldest first, with the files each added, changed and removed."""
    out: list[Version] = []
    before: dict[str, str] = {}
    for vid, number, label, message_id, created in conn.execute(
            "SELECT id, number, label, message_id, created FROM versions WHERE project_id = ? ORDER BY number",
            (project_id,)).fetchall():
        now = _manifest(conn, vid)
        out.append(Version(number=number, created=created, message=label, message_id=message_id,
                           files=len(now),
                           added=sorted(set(now) - set(before)),
                           changed=sorted(p for p in now if p in before and now[p] != before[p]),
                           removed=sorted(set(before) - set(now))))
        before = now
    return out


def unified_diff(old: Mapping[str, str], new: Mapping[str, str], *, a: str, b: str) -> str:
    """A unified diff of two file sets (`a`, `b` name them in the headers)."""
    parts = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) == new.get(path):
            continue
        parts.extend(difflib.unified_diff(
            old.get(path, "").splitlines(keepends=True), new.get(path, "").splitlines(keepends=True),
            fromfile=f"{a}/{path}" if path in old else "/dev/null",
            tofile=f"{b}/{path}" if path in new else "/dev/null"))
        if parts and not parts[-1].endswith("\n"):
            parts[-1] += "\n\\ No newline at end of file\n"
    return "".join(parts)


def copy_versions(conn: sqlite3.Connection, src: int, dst: int, *, upto: int | None = None) -> None:
    """Give project `dst` the versions of `src` (up to `upto`), sharing their blobs (for a fork)."""
    rows = conn.execute("SELECT id, number, label, created FROM versions WHERE project_id = ?"
                        " AND number <= coalesce(?, number) ORDER BY number", (src, upto)).fetchall()
    for vid, number, label, created in rows:
        new = conn.execute("INSERT INTO versions (project_id, number, label, created) VALUES (?, ?, ?, ?)",
                           (dst, number, label, created)).lastrowid
        conn.execute("INSERT INTO version_files (version_id, path, sha256)"
                     " SELECT ?, path, sha256 FROM version_files WHERE version_id = ?", (new, vid))


def replace_files(conn: sqlite3.Connection, project_id: int, files: Mapping[str, str], now: str) -> None:
    """Make the project's current files exactly `files` (inside the caller's transaction)."""
    from .saving import save_files

    save_files(conn, project_id, {p: ProjectFile(p, c) for p, c in files.items()}, now)
    conn.execute("UPDATE projects SET updated = ? WHERE id = ?", (now, project_id))


class VersionOps:
    """Mixed into Store: the versions half of the API (projects by name or id)."""

    _db: Database

    def versions(self, ref: str | int) -> list[Version]:
        """Every version of the project's files, oldest first."""
        from .access import resolve

        with self._db.read() as conn:
            return version_rows(conn, resolve(conn, ref, self.user))

    def version_files(self, ref: str | int, number: int | None = None) -> dict[str, str]:
        """The files of version `number` (default: the current files)."""
        from .access import resolve

        with self._db.read() as conn:
            pid = resolve(conn, ref, self.user)
            if number is None:
                return dict(conn.execute("SELECT path, content FROM files WHERE project_id = ? ORDER BY path",
                                         (pid,)))
            return version_contents(conn, pid, number)

    def diff(self, ref: str | int, a: int, b: int) -> str:
        """A unified diff from version `a` to version `b`."""
        return unified_diff(self.version_files(ref, a), self.version_files(ref, b), a=f"v{a}", b=f"v{b}")

    def revert(self, ref: str | int, *, to: int) -> Version:
        """A new version whose files equal version `to` (nothing is lost: every version stays)."""
        from .access import resolve

        now = utc_now()
        with self._db.write() as conn:
            pid = resolve(conn, ref, self.user)
            replace_files(conn, pid, version_contents(conn, pid, to), now)
            number = snapshot(conn, pid, label=f"revert to version {to}", now=now)
            rows = version_rows(conn, pid)
        if number is None:
            raise InputError(f"The files already equal version {to}: nothing to revert.",
                             hint="See the versions with `vibing2-lab projects versions NAME`.")
        return rows[-1]


def write_zip(files: Mapping[str, str], target: Path) -> Path:
    """The files as a zip archive at `target` (the app as it would be deployed), written atomically."""
    import os
    import tempfile
    import zipfile

    from .export import safe_relative_path

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(files):
                archive.writestr(safe_relative_path(path), files[path].encode("utf-8", "surrogatepass"))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
