"""Which tool calls run at once, which ask first, which never run.

    config.yaml   tools: {allow: [Read, mcp__time], ask: [Glob], deny: [Bash]}
    --allow A,B   pre-approves A and B for one ask (magics and CLI)

A pattern is a tool name or an MCP server prefix (`mcp__time` covers every
`mcp__time__<tool>`). Order of precedence, first match wins:

    1. config deny              (--allow cannot lift it: deny is the user's hard rule)
    2. --allow / "allow for this ask" approvals
    3. config ask, then config allow  (ask first: when a name is in both, the safer one)
    4. the tool's own default   (built-ins: reading allowed, writing/running asks; MCP asks)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterable

from ..errors import InputError
from .base import PolicyName, Tool

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["Policy", "matches", "parse_allow"]


def matches(pattern: str, name: str) -> bool:
    """True when `pattern` names the tool or is the MCP server prefix of its name."""
    return pattern == name or (pattern.startswith("mcp__") and name.startswith(pattern + "__"))


def parse_allow(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """`--allow Python,Read` (or a list) → ("Python", "Read"); a blank entry is an InputError."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    names = tuple(str(item).strip() for item in items)
    if any(not name or " " in name for name in names):
        raise InputError(f"--allow {value!r} is not a list of tool names.",
                         hint="Use --allow Python,Read (comma-separated tool names or mcp__<server> prefixes).")
    return names


@dataclass(frozen=True)
class Policy:
    """The configured lists plus the approvals of one ask."""

    allow: tuple[str, ...] = ()
    ask: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    approved: tuple[str, ...] = field(default=())  # --allow, for this ask only

    @classmethod
    def from_settings(cls, settings: Settings, *, approved: Iterable[str] = ()) -> Policy:
        """The policy of config.yaml's `tools:` section (checked by config.py), plus `--allow`."""
        t = settings.tools
        return cls(tuple(t.allow), tuple(t.ask), tuple(t.deny), tuple(approved))

    def with_approved(self, names: Iterable[str]) -> Policy:
        """This policy with more names pre-approved (`--allow`)."""
        return replace(self, approved=self.approved + tuple(names))

    def decide(self, tool: Tool) -> PolicyName:
        """"allow", "ask" or "deny" for a call of `tool`."""
        name = tool.name
        if any(matches(p, name) for p in self.deny):
            return "deny"
        if any(matches(p, name) for p in self.approved):
            return "allow"
        if any(matches(p, name) for p in self.ask):
            return "ask"
        if any(matches(p, name) for p in self.allow):
            return "allow"
        return tool.default_policy
