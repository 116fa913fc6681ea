"""One agent file → an `Agent`: frontmatter fields normalised, body kept as the system prompt."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import frontmatter

TIERS = ("fast", "balanced", "thorough")
SOURCES = ("project", "env", "home", "bundled")


@dataclass
class Agent:
    """A specialist agent: frontmatter fields plus the Markdown body as its system prompt."""

    name: str
    description: str = ""
    category: str = ""
    capabilities: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    version: str | None = None
    author: str | None = None
    performance_tier: str | None = None  # fast | balanced | thorough
    model: str | None = None  # as written: "inherit", "sonnet", "anthropic:claude-...", or None
    color: str | None = None
    system_prompt: str = ""
    path: Path = field(default_factory=Path)
    source: str = "bundled"  # project | env | home | bundled
    sha256: str = ""  # of the file's bytes
    extra: dict[str, Any] = field(default_factory=dict)  # unknown frontmatter fields, kept
    shadows: list[Path] = field(default_factory=list)  # lower-priority files with the same name
    parse_mode: str = "simple"  # simple | yaml | tolerant: how the frontmatter was read
    notes: list[str] = field(default_factory=list)  # non-fatal problems (ignored values), shown as warnings

    def summary(self) -> dict[str, Any]:
        """The JSON-ready row used by `agents list --json` and the server."""
        return {
            "name": self.name, "description": self.description, "category": self.category,
            "capabilities": self.capabilities, "tools": self.tools, "tags": self.tags,
            "version": self.version, "author": self.author, "performance_tier": self.performance_tier,
            "model": self.model, "color": self.color, "source": self.source, "path": str(self.path),
            "shadows": [str(p) for p in self.shadows], "sha256": self.sha256,
        }


class SkipFile(Exception):
    """This file is not a loadable agent; the message says why."""


def parse_agent(path: Path, data: bytes, *, source: str = "bundled") -> Agent:
    """Parse an agent file's bytes, or raise SkipFile with the reason."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not UTF-8 text (invalid byte near offset {exc.start}); save it as UTF-8") from None
    try:
        header, body = frontmatter.split(text)
    except frontmatter.HeaderError as exc:
        raise SkipFile(str(exc)) from None
    if header is None:
        raise SkipFile("no frontmatter (the first line must be '---', then `name: ...`)")
    try:
        fields, mode, yaml_error = frontmatter.read_header(header)
    except frontmatter.HeaderError as exc:
        raise SkipFile(str(exc)) from None
    name = fields.pop("name", None)
    if name is None or (isinstance(name, str) and not name.strip()):
        why = f"; strict YAML failed: {yaml_error}" if yaml_error else ""
        raise SkipFile(f"no `name` in the frontmatter{why}")
    if isinstance(name, (list, dict)):
        raise SkipFile(f"`name` must be text, not a {type(name).__name__}")
    name = _checked_name(str(name).strip())
    notes: list[str] = []
    agent = Agent(
        name=name,
        description=_text(fields.pop("description", None)) or "",
        category=_text(fields.pop("category", None)) or path.parent.name,
        capabilities=_list(fields.pop("capabilities", None)),
        tools=_list(fields.pop("tools", None)),
        tags=_list(fields.pop("tags", None)),
        version=_text(fields.pop("version", None)),
        author=_text(fields.pop("author", None)),
        performance_tier=_tier(fields.pop("performance_tier", None), notes),
        model=_text(fields.pop("model", None)),
        color=_text(fields.pop("color", None)),
        system_prompt=body.strip(),
        path=path,
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        extra=fields,
        parse_mode=mode,
        notes=notes,
    )
    return agent


MAX_NAME = 100
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\\ufeff\ud800-\udfff]")


def _checked_name(name: str) -> str:
    """The agent's name, or SkipFile: names become file names, routes and record fields."""
    bad = _BAD_NAME.search(name)
    if bad:
        raise SkipFile(f"the name {name[:60]!r} holds {bad.group()!r}; use letters, digits, '-' and '_'")
    if name in (".", "..") or len(name) > MAX_NAME:
        raise SkipFile(f"the name {name[:60]!r} is not usable; use up to {MAX_NAME} letters, digits, '-' and '_'")
    return name


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v is not None) or None
    text = str(value).strip()
    return text or None


def _list(value: Any) -> list[str]:
    """A list field given as a YAML list, a comma-separated string, or nothing."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value if v is not None]
    elif isinstance(value, dict):
        items = [str(k).strip() for k in value]
    else:
        items = [part.strip() for part in str(value).split(",")]
    return [item for item in items if item]


def _tier(value: Any, notes: list[str]) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if text.lower() in TIERS:
        return text.lower()
    notes.append(f"performance_tier {text!r} ignored: use one of {', '.join(TIERS)}")
    return None
