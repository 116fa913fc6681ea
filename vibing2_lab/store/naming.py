"""Untitled projects, named from their first prompt (as Vibing2 does); the name stays editable.

    store.create_untitled()                          # "untitled", then "untitled-2", ...
    store.name_from_prompt(pid, "Build a todo app")  # renamed "build-todo-app" (once: only untitled)
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from .rows import Project, utc_now

if TYPE_CHECKING:
    from .db import Database

UNTITLED = "untitled"
_UNTITLED = re.compile(r"^untitled(?:-\d+)?$")
_FILLER = frozenset("a an the me us my please for with of and to in on that which can you could would i".split())
MAX_WORDS, MAX_LENGTH = 6, 48


def is_untitled(name: str) -> bool:
    return bool(_UNTITLED.match(name))


def title_from_prompt(prompt: str) -> str:
    """A short project name from a prompt: its first meaningful words, lower case, joined by '-'."""
    text = unicodedata.normalize("NFKD", prompt).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.findall(r"[a-z0-9]+", text) if w not in _FILLER][:MAX_WORDS]
    name = "-".join(words)[:MAX_LENGTH].strip("-")
    # All digits would read as a project id; an empty or digit-only name keeps the untitled base.
    return name if name and not name.replace("-", "").isdigit() else UNTITLED


def _unique(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


class NamingOps:
    """Mixed into Store."""

    _db: Database

    def create_untitled(self, **kw: object) -> Project:
        """A new project called "untitled" (or "untitled-N"), to be named by its first prompt."""
        with self._db.read() as conn:
            taken = {r[0] for r in conn.execute("SELECT name FROM projects WHERE name LIKE 'untitled%'")}
        return self.create_project(_unique(UNTITLED, taken), **kw)  # type: ignore[attr-defined]

    def name_from_prompt(self, project_id: int, prompt: str) -> str | None:
        """Rename an untitled project after `prompt`; the new name, or None if it already had one."""
        with self._db.write() as conn:
            row = conn.execute("SELECT name FROM projects WHERE id = ?", (project_id,)).fetchone()
            if row is None or not is_untitled(row[0]):
                return None
            base = title_from_prompt(prompt)
            if base == UNTITLED:
                return None
            taken = {r[0] for r in conn.execute("SELECT name FROM projects WHERE name = ? OR name LIKE ?",
                                                (base, base + "-%"))}
            name = _unique(base, taken)
            conn.execute("UPDATE projects SET name = ?, updated = ? WHERE id = ?", (name, utc_now(), project_id))
        return name
