"""The inside of `Store.save_project`: messages and files written in the caller's transaction.

Only what changed is written: the stored rows are read and compared in Python (cheaper
than 1,000 conditional UPDATEs), so re-saving a large project after one new message costs
little more than the read.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from operator import attrgetter
from typing import Mapping, Sequence

from ..errors import ExportError, InputError
from ..log_text import logger
from .export import check_paths
from .files import language_for
from .rows import MESSAGE_STATUSES, ROLES, Message, ProjectFile, check_choice, dump_meta
from .text import storable

_UPDATE_MESSAGE_SQL = ("UPDATE messages SET role = ?, content = ?, agent = ?, status = ?, run_id = ?, meta = ?"
                       " WHERE id = ?")


def save_messages(conn: sqlite3.Connection, project_id: int, conversation: int,
                  messages: Sequence[Message], now: str) -> list[Message]:
    """Make the stored conversation equal `messages`; return them with ids, seq and times."""
    # Compared in Python: reading the rows costs less than letting SQLite compare 1,000 UPDATEs.
    stored = {r[0]: r[1:] for r in conn.execute(
        "SELECT id, seq, role, content, agent, status, run_id, meta, created FROM messages"
        " WHERE project_id = ? AND conversation = ?", (project_id, conversation))}
    # Explicit ids (we hold the write lock) give every new message its id without one
    # INSERT ... RETURNING round trip per row.
    next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM messages").fetchone()[0]
    next_seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE project_id = ?",
                            (project_id,)).fetchone()[0]
    kept: dict[int, None] = {}
    updates, inserts, out = [], [], []
    for m in messages:
        if m.role not in ROLES or m.status not in MESSAGE_STATUSES or type(m.content) is not str:
            _refuse(m)
        content = storable(m.content)  # as stored (text.py), so an unchanged row compares equal
        meta = dump_meta(m.meta)
        # A message whose id is not in this conversation (deleted meanwhile, copied from
        # another project) is stored again as new rather than silently dropped.
        if m.id in stored and m.id not in kept:
            kept[m.id] = None
            mid, seq, created = m.id, stored[m.id][0], stored[m.id][7]
            row = (m.role, content, m.agent, m.status, m.run_id, meta)
            if row != stored[mid][1:7]:
                updates.append((*row, mid))
        else:
            mid, seq, created = next_id, next_seq, m.created or now
            next_id, next_seq = next_id + 1, next_seq + 1
            inserts.append((mid, project_id, conversation, seq, m.role, content, m.agent, m.status, m.run_id,
                            meta, created))
        out.append(Message(m.role, content, m.agent, m.status, m.run_id, m.meta or None, mid, project_id,
                           conversation, seq, created))
    # Ids as text: json_each yields text on PostgreSQL, so both engines compare text.
    conn.execute("DELETE FROM messages WHERE project_id = ? AND conversation = ? AND CAST(id AS TEXT) NOT IN"
                 " (SELECT value FROM json_each(?))",
                 (project_id, conversation, json.dumps([str(i) for i in kept])))
    conn.executemany(_UPDATE_MESSAGE_SQL, updates)
    conn.executemany(
        "INSERT INTO messages (id, project_id, conversation, seq, role, content, agent, status, run_id, meta,"
        " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
    out.sort(key=attrgetter("seq"))
    return out


def _writable(files: Mapping[str, ProjectFile], kept: list[str], *, strict: bool) -> Mapping[str, ProjectFile]:
    """`files` if they fit beside `kept` (the stored paths that stay), by export's rule."""
    kept_set = set(kept)
    new = [path for path in files if path not in kept_set]
    try:
        check_paths([*kept, *new])
        return files
    except ExportError:
        if strict:
            raise
    accepted: dict[str, ProjectFile] = {}
    for path, f in files.items():
        try:
            check_paths([*kept, *(p for p in accepted if p not in kept_set), path])
        except ExportError as exc:
            log.warning("left out the generated file %r: %s", path, exc.message)
            continue
        accepted[path] = f
    return accepted


def _refuse(m: Message) -> None:
    """Raise the error that says what is wrong with `m`."""
    check_choice(m.role, ROLES, "message role")
    check_choice(m.status, MESSAGE_STATUSES, "message status")
    raise InputError(f"Message content must be text, not {type(m.content).__name__}.",
                     hint="Pass the answer text as a string.")


log = logger(__name__)


def save_files(conn: sqlite3.Connection, project_id: int, files: Mapping[str, ProjectFile], now: str, *,
               prune: bool = True, strict: bool = True) -> list[ProjectFile]:
    """Upsert `files` (keyed by clean path) and, with `prune`, delete the project's other files.

    The project's files afterwards must pass export's `check_paths` (no two differing only
    in case, no file where another needs a folder): else ExportError, or with `strict=False`
    (files found in a model's answer, which must not cost the answer) the file is left out.
    Returns the written files as stored, sorted by path.
    """
    stored = {r[0]: r[1:] for r in conn.execute(
        "SELECT path, content, language, id, created, updated FROM files WHERE project_id = ?", (project_id,))}
    files = _writable(files, [] if prune else list(stored), strict=strict)
    next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM files").fetchone()[0]
    inserts, updates, out = [], [], []
    for path, f in files.items():
        if not isinstance(f.content, str):
            raise InputError(f"The content of {path!r} is {type(f.content).__name__}, not text.",
                             hint="Store generated files as strings.")
        f = replace(f, content=storable(f.content))  # as stored (text.py), so a re-save compares equal
        language = f.language or language_for(path)
        old = stored.get(path)
        if old is None:
            row = ProjectFile(path, f.content, language, next_id, project_id, f.created or now, now)
            inserts.append((row.id, project_id, path, row.content, language, row.created, now))
            next_id += 1
        elif (old[0], old[1]) != (f.content, language):
            row = ProjectFile(path, f.content, language, old[2], project_id, old[3], now)
            updates.append((f.content, language, now, old[2]))
        else:
            row = ProjectFile(path, f.content, language, old[2], project_id, old[3], old[4])
        out.append(row)
    if prune:
        gone = [path for path in stored if path not in files]
        conn.execute("DELETE FROM files WHERE project_id = ? AND path IN (SELECT value FROM json_each(?))",
                     (project_id, json.dumps(gone)))
    conn.executemany("UPDATE files SET content = ?, language = ?, updated = ? WHERE id = ?", updates)
    conn.executemany("INSERT INTO files (id, project_id, path, content, language, created, updated)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)", inserts)
    out.sort(key=attrgetter("path"))
    return out
