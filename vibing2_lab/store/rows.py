"""The store's records: plain dataclasses, UTC timestamps and project-name rules.

Nothing here touches the database, so adapters can import these names cheaply.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError, ProjectError

MAX_NAME_LENGTH = 120
ROLES = frozenset({"user", "assistant", "system", "tool"})
MESSAGE_STATUSES = frozenset({"complete", "streaming", "error", "cancelled"})
RUN_STATUSES = frozenset({"complete", "error", "cancelled"})


def dump_meta(meta: dict[str, Any] | None) -> str | None:
    """A message's metadata as stored: canonical JSON, or NULL when empty."""
    return json.dumps(meta, ensure_ascii=False, sort_keys=True) if meta else None


def utc_now() -> str:
    """The current time as a sortable UTC ISO-8601 string (microseconds, `Z` suffix)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Message:
    """One turn of a conversation; `status` keeps cancelled and failed answers honest."""

    role: str
    content: str
    agent: str | None = None
    status: str = "complete"
    run_id: int | None = None
    meta: dict[str, Any] | None = None
    id: int | None = None
    project_id: int | None = None
    conversation: int = 1
    seq: int | None = None
    created: str | None = None
    version: int | None = None  # set by record_answer: the version of the files this answer made


@dataclass
class ProjectFile:
    """A generated file of a project, one per path."""

    path: str
    content: str
    language: str | None = None
    id: int | None = None
    project_id: int | None = None
    created: str | None = None
    updated: str | None = None


@dataclass
class Project:
    """A project with its current conversation's messages and its files."""

    name: str
    type: str = "notebook"
    agents: list[str] = field(default_factory=list)
    id: int | None = None
    conversation: int = 1
    forked_from: int | None = None
    created: str | None = None
    updated: str | None = None
    messages: list[Message] = field(default_factory=list)
    files: list[ProjectFile] = field(default_factory=list)
    owner: str = ""  # the user who created it ("" before identities: everyone's)
    visibility: str = "private"  # or "shared": every user of the store sees and works in it
    updated_by: str | None = None

    def file_map(self) -> dict[str, str]:
        """The files as {path: content}."""
        return {f.path: f.content for f in self.files}


@dataclass
class ProjectSummary:
    """A row of the project list: counts and times, no content."""

    id: int
    name: str
    type: str
    messages: int
    files: int
    created: str
    updated: str
    last_activity: str
    owner: str = ""
    visibility: str = "private"
    updated_by: str | None = None


@dataclass
class Version:
    """One version of a project's files: what made it and how it differs from the one before."""

    number: int
    created: str
    message: str  # the prompt (or action, e.g. "revert to version 1") that made it
    message_id: int | None = None  # the answer that made it, if one did
    files: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class Run:
    """One model call: who, which model, how it ended, what it cost and how fast it was."""

    agent: str | None = None
    provider: str | None = None
    model: str | None = None
    status: str = "complete"
    project_id: int | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    ttft_s: float | None = None
    duration_s: float | None = None
    request_id: str | None = None
    error_kind: str | None = None
    id: int | None = None
    created: str | None = None
    requests: int = 1  # model requests made (more than one in a tool loop)
    # The tool calls (ToolStep dicts), written with the run; read back with Store.run_steps(id).
    steps: list[dict[str, Any]] = field(default_factory=list, compare=False, repr=False)


def project_id(ref: str | int) -> int | None:
    """The id a reference spells (an int, or ASCII digits), else None: then it is a name."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref
    if isinstance(ref, str) and ref.isascii() and ref.isdigit() and len(ref) < 19:  # SQLite ids are 64-bit
        return int(ref)
    return None


def validate_project_name(name: object) -> str:
    """Return `name` if it is a usable project name, else raise ProjectError saying why."""
    if not isinstance(name, str):
        raise ProjectError(f"A project name must be text, not {type(name).__name__}.",
                           hint="Pass the name as a string, e.g. 'my-app'.")
    if not name.strip():
        raise ProjectError("A project name cannot be empty.", hint="Give the project a name, e.g. 'my-app'.")
    if name != name.strip():
        raise ProjectError(f"The project name {name!r} starts or ends with whitespace.",
                           hint=f"Use {name.strip()!r} instead.")
    if name.isdigit():  # routes and commands take an id or a name: "29" must only ever mean id 29
        raise ProjectError(f"The project name {name!r} is made only of digits, which would read as a project id.",
                           hint=f"Add a letter, e.g. 'project-{name}'.")
    return _printable(name, "The project name", MAX_NAME_LENGTH, "name")


def _printable(text: str, what: str, limit: int, noun: str) -> str:
    """`text` if it is at most `limit` characters and holds no control or format character (what
    a terminal would act on) or lone surrogate (a JSON "\\udfff" from a notebook: not text, SQLite
    cannot store it), else ProjectError naming `what`."""
    if len(text) > limit:
        raise ProjectError(f"{what} is {len(text)} characters long; the limit is {limit}.",
                           hint=f"Choose a shorter {noun}.")
    bad = unprintable(text)
    if bad:
        raise ProjectError(f"{what} {text!r} contains control characters ({bad}).",
                           hint="Use letters, digits, spaces and punctuation only.")
    return text


def unprintable(text: str) -> str:
    """The control, format, separator and lone surrogate characters in `text`, listed (or "")."""
    if text.isascii() and text.isprintable():
        return ""
    return ", ".join(sorted({repr(c) for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")}))


MAX_LABEL_LENGTH = 100


def validate_label(value: object, what: str) -> str:
    """A project's type, or an agent name it lists: short text that prints as it reads (`projects
    list` and the sidebar show it to every user the project is shared with); else ProjectError."""
    if not isinstance(value, str) or not value.strip():
        raise ProjectError(f"A project's {what} must be non-empty text, not {value!r}.",
                           hint=f"Give the {what} as a short word, e.g. 'notebook'.")
    return _printable(value, f"The project's {what}", MAX_LABEL_LENGTH, what)


def check_choice(value: str, allowed: frozenset[str], what: str) -> str:
    """Return `value` if it is one of `allowed`, else raise InputError listing the choices."""
    if value not in allowed:
        raise InputError(f"Unknown {what} {value!r}.", hint=f"Use one of: {', '.join(sorted(allowed))}.")
    return value
