"""An agent's searchable fields, each the way its author meant it.

Claude Code agent files put everything in `description`: a first sentence saying what
the agent is for, more detail, then `<example>` blocks with a context, the request a user
typed (`user: ...`), the assistant's hand-off and a commentary. Some collections write the same
turns without the tags ("Examples: Context: ... user: '...' assistant: '...'"): each `Context:`
then starts an example. These are different kinds
of evidence: the user turns are requests like the one being routed, the first sentence is
the author's summary, the rest is detail. The example blocks are cut out of the
description so their hand-off chatter ("I'll use the X agent") does not count as topic.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from .text import first_sentence

if TYPE_CHECKING:
    from .parse import Agent

_EXAMPLE = re.compile(r"<example>(.*?)(?:</example>|$)", re.S | re.I)
# A turn starts at a role name and a colon, on its own line or inline ("Context: ... user: '...'").
_ROLE = re.compile(r"(?:^|(?<=[\s>]))(context|user|assistant|commentary)\s*:", re.I)
_TAGS = re.compile(r"</?\w+>")
_CONTEXT = re.compile(r"(?:^|(?<=[\s>.:]))context\s*:", re.I)  # where an untagged example starts
_USER = re.compile(r"(?:^|(?<=[\s>]))user\s*:", re.I)


class Example(NamedTuple):
    """One `<example>` block: its context line and the request the user typed."""

    context: str
    request: str


def _unescape(text: str) -> str:
    # Blocks often sit in YAML strings or were pasted with their escapes: `\n`, `\"`.
    return text.replace("\\n", "\n").replace('\\"', '"').replace("\\'", "'")


def _clean(text: str) -> str:
    return " ".join(_TAGS.sub(" ", text).split()).strip().strip("\\").strip("\"'").strip()


def _untagged(description: str) -> tuple[str, list[str]]:
    """(the text before the first untagged example, the examples): only when there are no
    `<example>` tags and a `Context:` is followed by a `user:` turn."""
    if "<example" in description.lower() or not _USER.search(description):
        return description, []
    starts = [m.start() for m in _CONTEXT.finditer(description)]
    if not starts or not _USER.search(description, starts[0]):
        return description, []
    return description[: starts[0]], [description[a:b] for a, b in zip(starts, [*starts[1:], len(description)])]


def _blocks(description: str) -> list[str]:
    text = _unescape(description)
    return _EXAMPLE.findall(text) or _untagged(text)[1]


def examples(description: str) -> list[Example]:
    """The example blocks of a description (tagged or not), each with its first user turn."""
    out = []
    for block in _blocks(description):
        turns: dict[str, str] = {}
        marks = list(_ROLE.finditer(block))
        for mark, nxt in zip(marks, [*marks[1:], None]):
            role = mark.group(1).lower()
            if role not in turns:
                turns[role] = _clean(block[mark.end(): nxt.start() if nxt else len(block)])
        if turns.get("user"):
            out.append(Example(turns.get("context", ""), turns["user"]))
    return out


def without_examples(description: str) -> str:
    """The description with its example blocks (tagged or not) cut out."""
    if "<example" not in description.lower():
        return _untagged(_unescape(description))[0] if _USER.search(description) else description
    return _TAGS.sub(" ", _EXAMPLE.sub(" ", _unescape(description)))


def agent_fields(agent: Agent) -> dict[str, str]:
    """Field name -> text, for the fields search.FIELDS weighs."""
    shown = examples(agent.description)
    description = without_examples(agent.description)
    flat = " ".join(description.split())
    lead = first_sentence(flat)
    return {
        "name": agent.name.replace("_", " "),
        "lead": lead,
        "description": flat[len(lead):],
        "examples": " ".join(e.request for e in shown),
        "contexts": " ".join(e.context for e in shown),
        "tags": " ".join(agent.tags),
        "capabilities": " ".join(agent.capabilities),
        "category": agent.category.replace("-", " ").replace("_", " "),
        "body": agent.system_prompt,
    }
