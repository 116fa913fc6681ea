"""An agent's searchable fields, each the way its author meant it.

Claude Code agent files put everything in `description`: a first sentence saying what
the agent is for, more detail, then `<example>` blocks with a context, the request a user
typed (`user: ...`), the assistant's hand-off and a commentary. These are different kinds
of evidence: the user turns are requests like the one being routed, the first sentence is
the author's summary, the rest is detail. The example blocks are cut out of the
description so their hand-off chatter ("I'll use the X agent") does not count as topic.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .text import first_sentence

if TYPE_CHECKING:
    from .parse import Agent

_EXAMPLE = re.compile(r"<example>(.*?)(?:</example>|$)", re.S | re.I)
_TURN = re.compile(r"^\s*(user|context|assistant|commentary|<commentary>)\s*:?\s*(.*)$", re.I | re.M)
_TAGS = re.compile(r"</?\w+>")


def split_examples(description: str) -> tuple[str, list[str], list[str]]:
    """(description without examples, user requests, example contexts)."""
    if "<example" not in description.lower():
        return description, [], []
    requests: list[str] = []
    contexts: list[str] = []
    for block in _EXAMPLE.findall(description.replace("\\n", "\n")):
        for role, text in _TURN.findall(block):
            role = role.lower()
            if role == "user":
                requests.append(text.strip().strip('"'))
            elif role == "context":
                contexts.append(text.strip())
    rest = _EXAMPLE.sub(" ", description.replace("\\n", "\n"))
    return _TAGS.sub(" ", rest), requests, contexts


def agent_fields(agent: Agent) -> dict[str, str]:
    """Field name -> text, for the fields search.FIELDS weighs."""
    description, requests, contexts = split_examples(agent.description)
    flat = " ".join(description.split())
    lead = first_sentence(flat)
    return {
        "name": agent.name.replace("_", " "),
        "lead": lead,
        "description": flat[len(lead):],
        "examples": " ".join(requests),
        "contexts": " ".join(contexts),
        "tags": " ".join(agent.tags),
        "capabilities": " ".join(agent.capabilities),
        "category": agent.category.replace("-", " ").replace("_", " "),
        "body": agent.system_prompt,
    }
