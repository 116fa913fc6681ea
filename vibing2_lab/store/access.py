"""Who may see a project: its owner, everyone if it is shared (or from before owners existed).

The ONE place the rule lives. Every operation that names a project (by name or id) goes
through `resolve` or `check`; another user's private project is "No project" (a 404 over
HTTP), exactly like one that does not exist, so its name is not even confirmed.
"""

from __future__ import annotations

import difflib
import getpass
import os
from typing import Any

from ..errors import InputError, UnknownProjectError

VISIBILITIES = ("private", "shared")
# `owner = ''`: a project from before identities (a single-user store) stays everyone's.
VISIBLE_SQL = "(p.owner = ? OR p.owner = '' OR p.visibility = 'shared')"


def current_user() -> str:
    """The identity of a kernel or the CLI: JUPYTERHUB_USER, else the OS user."""
    return os.environ.get("JUPYTERHUB_USER", "").strip() or getpass.getuser()


def check_user(user: Any) -> str:
    if not isinstance(user, str) or not user.strip() or len(user) > 200:
        raise InputError(f"{user!r} is not a user name.", hint="Pass the Jupyter user's name (a non-empty string).")
    return user.strip()


def find(conn: Any, ref: str | int, user: str) -> int | None:
    """A visible project's id from a name or an id, or None (no suggestions: see `resolve`)."""
    from .rows import project_id

    pid = project_id(ref)  # digits are always an id (names never are all digits)
    if pid is not None:
        row = conn.execute(f"SELECT p.id FROM projects p WHERE p.id = ? AND {VISIBLE_SQL}", (pid, user)).fetchone()
    else:
        row = conn.execute(f"SELECT p.id FROM projects p WHERE p.name = ? AND {VISIBLE_SQL}",
                           (str(ref), user)).fetchone()
    return None if row is None else row[0]


def resolve(conn: Any, ref: str | int, user: str) -> int:
    """A visible project's id from a name or an id; UnknownProjectError (with close names) otherwise."""
    found = find(conn, ref, user)
    if found is not None:
        return found
    names = [r[0] for r in conn.execute(f"SELECT p.name FROM projects p WHERE {VISIBLE_SQL}", (user,))]
    close = difflib.get_close_matches(str(ref), names, n=3)
    hint = (f"Did you mean {', '.join(map(repr, close))}?" if close
            else "See the projects with `vibing2-lab projects list`.")
    raise UnknownProjectError(f"No project {ref!r}.", hint=hint)


def check(conn: Any, project_id: int, user: str) -> int:
    """`project_id` if this user may see it, else UnknownProjectError (as if it did not exist)."""
    row = conn.execute(f"SELECT p.id FROM projects p WHERE p.id = ? AND {VISIBLE_SQL}",
                       (project_id, user)).fetchone()
    if row is None:
        raise UnknownProjectError(f"No project with id {project_id}.",
                                  hint="It may have been deleted; see `vibing2-lab projects list`.")
    return project_id


def require_owner(conn: Any, project_id: int, user: str, action: str) -> None:
    """Sharing, renaming and deleting are the owner's (a shared project is others' to work in)."""
    (owner,) = conn.execute("SELECT owner FROM projects WHERE id = ?", (project_id,)).fetchone()
    if owner not in ("", user):
        from ..errors import ProjectError

        raise ProjectError(f"Only its owner {owner!r} can {action} this project.",
                           hint="Fork it to get a project of your own.")


def touch(conn: Any, project_id: int, user: str, now: str) -> None:
    """Mark the project changed now, by `user` (the sidebar shows who changed it last)."""
    conn.execute("UPDATE projects SET updated = ?, updated_by = ? WHERE id = ?", (now, user, project_id))
