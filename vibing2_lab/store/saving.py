"""The inside of `Store.save_project`: messages and files written in the caller's transaction.

Only what changed is written (unchanged rows are compared in SQL and skipped), so
re-saving a large project after one new message costs little more than the message.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Mapping, Sequence

from .files import language_for
from .messages import dump_meta
from .models import MESSAGE_STATUSES, ROLES, Message, ProjectFile, check_choice

UPSERT_FILE_SQL = (
    "INSERT INTO files (project_id, path, content, language, created, updated) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (project_id, path) DO UPDATE SET content = excluded.content, language = excluded.language,"
    " updated = excluded.updated WHERE files.content IS NOT excluded.content"
    " OR files.language IS NOT excluded.language")

_UPDATE_MESSAGE_SQL = (
    "UPDATE messages SET role = ?1, content = ?2, agent = ?3, status = ?4, run_id = ?5, meta = ?6"
    " WHERE id = ?7 AND NOT (role IS ?1 AND content IS ?2 AND agent IS ?3 AND status IS ?4"
    " AND run_id IS ?5 AND meta IS ?6)")


def save_messages(conn: sqlite3.Connection, project_id: int, conversation: int,
                  messages: Sequence[Message], now: str) -> list[Message]:
    """Make the stored conversation equal `messages`; return them with ids, seq and times."""
    for m in messages:
        check_choice(m.role, ROLES, "message role")
        check_choice(m.status, MESSAGE_STATUSES, "message status")
    stored = {r[0]: r[1] for r in conn.execute(
        "SELECT id, seq FROM messages WHERE project_id = ? AND conversation = ?", (project_id, conversation))}
    # A message whose id is not in this conversation (deleted meanwhile, copied from another
    # project) is stored again as new rather than silently dropped.
    kept = [m for m in messages if m.id in stored]
    fresh = list({id(m): m for m in messages if m.id not in stored}.values())
    conn.execute("DELETE FROM messages WHERE project_id = ? AND conversation = ? AND id NOT IN"
                 " (SELECT value FROM json_each(?))", (project_id, conversation, json.dumps([m.id for m in kept])))
    conn.executemany(_UPDATE_MESSAGE_SQL, [
        (m.role, m.content, m.agent, m.status, m.run_id, dump_meta(m.meta), m.id) for m in kept])
    next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM messages").fetchone()[0]
    next_seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE project_id = ?",
                            (project_id,)).fetchone()[0]
    # Explicit ids (we hold the write lock) let us return every new message's id without
    # one INSERT ... RETURNING round trip per row.
    new = {id(m): (next_id + i, next_seq + i, m.created or now) for i, m in enumerate(fresh)}
    conn.executemany(
        "INSERT INTO messages (id, project_id, conversation, seq, role, content, agent, status, run_id, meta,"
        " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(new[id(m)][0], project_id, conversation, new[id(m)][1], m.role, m.content, m.agent, m.status,
          m.run_id, dump_meta(m.meta), new[id(m)][2]) for m in fresh])
    out = []
    for m in messages:
        mid, seq, created = new[id(m)] if id(m) in new else (m.id, stored[m.id], m.created)
        out.append(Message(m.role, m.content, m.agent, m.status, m.run_id, m.meta or None, mid, project_id,
                           conversation, seq, created))
    out.sort(key=lambda m: m.seq)
    return out


def save_files(conn: sqlite3.Connection, project_id: int, files: Mapping[str, ProjectFile],
               now: str) -> list[ProjectFile]:
    """Make the project's stored files equal `files` (keyed by clean path); return them as stored."""
    conn.execute("DELETE FROM files WHERE project_id = ? AND path NOT IN (SELECT value FROM json_each(?))",
                 (project_id, json.dumps(list(files))))
    conn.executemany(UPSERT_FILE_SQL, [
        (project_id, path, f.content, f.language or language_for(path), now, now) for path, f in files.items()])
    out = []
    for path, fid, created, updated in conn.execute(
            "SELECT path, id, created, updated FROM files WHERE project_id = ? ORDER BY path", (project_id,)):
        f = files[path]
        out.append(ProjectFile(path, f.content, f.language or language_for(path), fid, project_id, created, updated))
    return out
