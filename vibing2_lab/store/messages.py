"""Conversation operations of the Store: append, finish, read back, start afresh.

A streamed answer is written when it ends (`record_answer`: run, message and files in one
transaction), or first as `streaming` and then finished with `update_message`; a cancelled
or failed one keeps its partial text and its status. While it streams, `checkpoint_answer`
keeps its text so far in a `streaming` row (a crash loses only what came since), which
`record_answer(message_id=...)` then finishes.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Mapping

from ..errors import InputError, UnknownProjectError
from . import access
from .export import safe_relative_path
from .rows import (MESSAGE_STATUSES, ROLES, RUN_STATUSES, Message, ProjectFile, Run, check_choice, dump_meta,
                     utc_now)
from .runs import insert_run
from .text import storable
from .saving import save_files
from .versions import snapshot

if TYPE_CHECKING:
    from .db import Database

# Column order = Message's positional fields, so a row builds a Message directly.
MESSAGE_COLUMNS = "role, content, agent, status, run_id, meta, id, project_id, conversation, seq, created"


def message_from_row(r: tuple) -> Message:
    return Message(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]) if r[5] else None, *r[6:])


def message_rows(conn: sqlite3.Connection, project_id: int, conversation: int) -> list[Message]:
    """The messages of one conversation of a project, in order."""
    rows = conn.execute(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE project_id = ? AND conversation = ?"
                        " ORDER BY seq", (project_id, conversation)).fetchall()
    made = dict(conn.execute("SELECT message_id, number FROM versions WHERE project_id = ? AND message_id"
                             " IS NOT NULL", (project_id,)))
    return [replace(m, version=made.get(m.id)) for m in map(message_from_row, rows)]


def insert_message(conn: sqlite3.Connection, project_id: int, role: str, content: str, *, agent: str | None,
                   status: str, run_id: int | None, meta: dict[str, Any] | None, now: str) -> Message:
    """Append one message to the project's current conversation inside the caller's transaction."""
    check_choice(role, ROLES, "message role")
    check_choice(status, MESSAGE_STATUSES, "message status")
    if not isinstance(content, str):
        raise InputError(f"Message content must be text, not {type(content).__name__}.",
                         hint="Pass the answer text as a string.")
    content = storable(content)  # the message returned is the one stored (text.py)
    conversation = _conversation(conn, project_id)
    seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE project_id = ?",
                       (project_id,)).fetchone()[0]
    cur = conn.execute(
        "INSERT INTO messages (project_id, conversation, seq, role, content, agent, status, run_id, meta, created)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (project_id, conversation, seq, role, content, agent, status, run_id, dump_meta(meta), now))
    conn.execute("UPDATE projects SET updated = ? WHERE id = ?", (now, project_id))
    return Message(role, content, agent, status, run_id, meta or None, cur.lastrowid, project_id, conversation,
                   seq, now)


class MessageOps:
    """Mixed into Store: the message half of the API."""

    _db: Database
    user: str

    def add_message(self, project_id: int, role: str, content: str, *, agent: str | None = None,
                    status: str = "complete", run_id: int | None = None,
                    meta: dict[str, Any] | None = None) -> Message:
        """Append a message to the project's current conversation, in its own transaction."""
        now = utc_now()
        with self._db.write() as conn:
            access.check(conn, project_id, self.user)
            message = insert_message(conn, project_id, role, content, agent=agent, status=status, run_id=run_id,
                                     meta=meta, now=now)
            access.touch(conn, project_id, self.user, now)
            return message

    def record_answer(self, project_id: int, content: str, *, agent: str | None = None,
                      status: str = "complete", run: Run | None = None, files: Mapping[str, str] | None = None,
                      meta: dict[str, Any] | None = None, prompt: str | None = None,
                      message_id: int | None = None) -> Message:
        """Store a finished answer in ONE transaction: its run, the assistant message linked to it,
        and the files it generated (e.g. `extract_files(text)`), which make a new version named by
        `prompt` when they change anything (its number in the returned message's `version`). Partial
        answers keep `status`. With `message_id` (its checkpoint row), that row becomes the answer."""
        clean = {safe_relative_path(p): ProjectFile(p, c) for p, c in (files or {}).items()}
        content = storable(content) if isinstance(content, str) else content
        if run is not None:
            check_choice(run.status, RUN_STATUSES, "run status")
        check_choice(status, MESSAGE_STATUSES, "message status")
        now = utc_now()
        with self._db.write() as conn:
            access.check(conn, project_id, self.user)
            run_id = insert_run(conn, replace(run, project_id=project_id)).id if run is not None else None
            row = None if message_id is None else conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ? AND project_id = ?",
                (message_id, project_id)).fetchone()
            if row is not None:
                conn.execute("UPDATE messages SET content = ?, agent = ?, status = ?, run_id = ?, meta = ?"
                             " WHERE id = ?", (content, agent, status, run_id, dump_meta(meta), message_id))
                message = replace(message_from_row(row), content=content, agent=agent, status=status,
                                  run_id=run_id, meta=meta or None)
            else:
                message = insert_message(conn, project_id, "assistant", content, agent=agent, status=status,
                                         run_id=run_id, meta=meta, now=now)
            save_files(conn, project_id, clean, now, prune=False, strict=False)  # keep the answer
            access.touch(conn, project_id, self.user, now)
            if clean:  # the versions table links the version to this message
                message.version = snapshot(conn, project_id, label=prompt or "answer", now=now,
                                           message_id=message.id)
        return message

    def checkpoint_answer(self, project_id: int, content: str, *, agent: str | None = None,
                          message_id: int | None = None) -> int:
        """Keep the text so far of an answer still streaming (a `streaming` row); returns its id."""
        now = utc_now()
        with self._db.write() as conn:
            access.check(conn, project_id, self.user)
            if message_id is not None and conn.execute(
                    "UPDATE messages SET content = ? WHERE id = ? AND status = 'streaming'",
                    (content, message_id)).rowcount:
                return message_id
            return insert_message(conn, project_id, "assistant", content, agent=agent, status="streaming",
                                  run_id=None, meta=None, now=now).id  # type: ignore[return-value]

    def update_message(self, message_id: int, *, content: str | None = None, status: str | None = None,
                       run_id: int | None = None, meta: dict[str, Any] | None = None) -> Message:
        """Finish or correct a stored message (e.g. a `streaming` answer that completed or was cut)."""
        if status is not None:
            check_choice(status, MESSAGE_STATUSES, "message status")
        now = utc_now()
        with self._db.write() as conn:
            row = conn.execute(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)).fetchone()
            if row is None:
                raise InputError(f"No message with id {message_id}.", hint="It may belong to a deleted project.")
            old = message_from_row(row)
            access.check(conn, old.project_id, self.user)
            new = Message(old.role, old.content if content is None else content, old.agent,
                          old.status if status is None else status, old.run_id if run_id is None else run_id,
                          old.meta if meta is None else meta, old.id, old.project_id, old.conversation,
                          old.seq, old.created)
            conn.execute("UPDATE messages SET content = ?, status = ?, run_id = ?, meta = ? WHERE id = ?",
                         (new.content, new.status, new.run_id, dump_meta(new.meta), message_id))
            access.touch(conn, old.project_id, self.user, now)
        return new

    def history(self, project_id: int, *, conversation: int | None = None) -> list[Message]:
        """The messages of a conversation (default: the current one), oldest first."""
        with self._db.read() as conn:
            current = _conversation(conn, access.check(conn, project_id, self.user))
            return message_rows(conn, project_id, current if conversation is None else conversation)

    def new_conversation(self, project_id: int) -> int:
        """Start a fresh conversation (`%vibe new`); older messages are kept. Returns its number."""
        with self._db.write() as conn:
            number = _conversation(conn, access.check(conn, project_id, self.user)) + 1
            conn.execute("UPDATE projects SET conversation = ?, updated = ?, updated_by = ? WHERE id = ?",
                         (number, utc_now(), self.user, project_id))
        return number


def _conversation(conn: sqlite3.Connection, project_id: int) -> int:
    row = conn.execute("SELECT conversation FROM projects WHERE id = ?", (project_id,)).fetchone()
    if row is None:
        raise UnknownProjectError(f"No project with id {project_id}.",
                                  hint="It may have been deleted; see `vibing2-lab projects list`.")
    return row[0]
