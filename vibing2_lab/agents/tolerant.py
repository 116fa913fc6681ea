"""The tolerant header reader, for agent files strict YAML rejects.

Files written for Claude Code subagents often carry unquoted descriptions with `: `,
`<example>` blocks and `user:` / `assistant:` lines. Here the known keys at line starts split
the header, and everything up to the next known key is that key's value.
"""

from __future__ import annotations

import re
from typing import Any

from .frontmatter import _ITEM, KNOWN_KEYS, LIST_KEYS

_KNOWN_LINE = re.compile(r"^(%s)[ \t]*:(?:[ \t]+|$)(.*)$" % "|".join(KNOWN_KEYS))
_OTHER_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+|$)(.*)$")
_BLOCK = re.compile(r"^[>|][-+0-9]*$")


def tolerant(header: str) -> dict[str, Any]:
    """Split on known keys at line starts; each key's value runs to the next known key.

    Only `description` is free text that may hold `user:`-style lines; after any other
    key, an unindented `other: value` line starts an unknown field (kept as text).
    """
    data: dict[str, Any] = {}
    key: str | None = None
    lines: list[str] = []
    for line in header.split("\n"):
        match = _KNOWN_LINE.match(line)
        other = None if match or key == "description" else _OTHER_LINE.match(line)
        if match or other:
            if key is not None:
                data[key] = _tolerant_value(key, lines)
            found = match or other
            key, lines = found.group(1), [found.group(2)]  # type: ignore[union-attr]
        elif key is not None:
            lines.append(line)
    if key is not None:
        data[key] = _tolerant_value(key, lines)
    return data


def _tolerant_value(key: str, lines: list[str]) -> Any:
    first = lines[0].strip()
    rest = _dedent([ln.rstrip() for ln in lines[1:]])
    while rest and not rest[-1]:
        rest.pop()
    if _BLOCK.match(first):
        return _block(first[0], rest)
    if not first and rest and all(_ITEM.match(ln) for ln in rest if ln):
        return [_unquote((_ITEM.match(ln).group(1) or "").strip()) for ln in rest if ln]  # type: ignore[union-attr]
    if key in LIST_KEYS and first.startswith("[") and first.endswith("]") and not rest:
        return [_unquote(p.strip()) for p in first[1:-1].split(",") if p.strip()]
    text = "\n".join([first, *rest]).strip() if first else "\n".join(rest).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return _unquote(text)
    # Descriptions copied from Claude Code agent collections carry `\n` escapes in
    # unquoted text; they are meant as line breaks.
    return text.replace("\\n", "\n") if key == "description" else text


def _dedent(lines: list[str]) -> list[str]:
    indents = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
    cut = min(indents, default=0)
    return [ln[cut:] if ln.strip() else "" for ln in lines]


def _block(style: str, lines: list[str]) -> str:
    if style == "|":
        return "\n".join(lines).strip()
    paragraphs: list[str] = []
    current: list[str] = []
    for ln in lines:
        if ln.strip():
            current.append(ln.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n".join(paragraphs)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        import json

        try:
            return str(json.loads(text))
        except ValueError:
            return text[1:-1]
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text
