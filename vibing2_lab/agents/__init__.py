"""Agents: Markdown files with YAML frontmatter whose body is the system prompt.

    parse.py         Agent, and one file → Agent (frontmatter.py reads the header)
    registry.py      AgentRegistry: sources in priority order, shadowing, reload on change
    search.py        BM25F search, typo-tolerant on names
    select.py        Pick: auto-selection from a prompt and context
    orchestrate.py   fan-out and chain over the streaming providers

Names are imported lazily so `import vibing2_lab.agents` costs nothing until used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .orchestrate import achain, afan_out, chain, fan_out
    from .parse import Agent
    from .registry import AgentRegistry, default_registry
    from .select import Pick

_LAZY = {
    "Agent": ".parse",
    "AgentRegistry": ".registry",
    "default_registry": ".registry",
    "Pick": ".select",
    "fan_out": ".orchestrate",
    "afan_out": ".orchestrate",
    "chain": ".orchestrate",
    "achain": ".orchestrate",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
