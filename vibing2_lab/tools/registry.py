"""The Toolbox: built-in tools by name plus providers of more tools (MCP servers).

    toolbox = default_toolbox(settings)          # built-ins + every configured provider
    tools, unknown = toolbox.select(agent.tools) # exactly what the frontmatter lists

A ToolProvider owns a prefix (`mcp__time`) and lists its tools (`mcp__time__get_current_time`)
when asked; a frontmatter entry may name one of them or the whole prefix. Providers are
only asked for their tools when an agent lists one of their names, so an unused MCP server
never starts. Providers are plugged in through `PROVIDER_FACTORIES` ("module:function"
strings, imported when a toolbox is built; the function takes the Settings and returns
ToolProviders), so this module never imports them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Iterable, Protocol

from ..log_text import logger
from .base import Tool

if TYPE_CHECKING:
    from ..config import Settings

log = logger("vibing2_lab.tools")

__all__ = ["BUILTIN_MODULES", "PROVIDER_FACTORIES", "ToolProvider", "Toolbox", "builtin_tools", "default_toolbox"]

# One module per tool family; each exports TOOLS: a tuple of Tool classes.
BUILTIN_MODULES = ("vibing2_lab.tools.files", "vibing2_lab.tools.write", "vibing2_lab.tools.python",
                   "vibing2_lab.tools.bash", "vibing2_lab.tools.notebook")
PROVIDER_FACTORIES: list[str] = ["vibing2_lab.mcp.tools:tool_providers"]


class ToolProvider(Protocol):
    """A source of tools named `<prefix>__<tool>` (MCP: prefix = "mcp__<server>")."""

    prefix: str

    def tools(self) -> list[Tool]: ...


def builtin_tools() -> dict[str, Tool]:
    """Every built-in tool, by name."""
    found: dict[str, Tool] = {}
    for module in BUILTIN_MODULES:
        for cls in importlib.import_module(module).TOOLS:
            found[cls.name] = cls()
    return found


class Toolbox:
    """Tools by name, and the providers that add more."""

    def __init__(self, tools: Iterable[Tool] = (), providers: Iterable[ToolProvider] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        self._providers: list[ToolProvider] = []
        for tool in tools:
            self.register(tool)
        for provider in providers:
            self.add_provider(provider)

    def register(self, tool: Tool) -> None:
        """Add (or replace) a tool under its name."""
        self._tools[tool.name] = tool

    def add_provider(self, provider: ToolProvider) -> None:
        self._providers.append(provider)

    @property
    def names(self) -> list[str]:
        """The built-in / registered names (providers' tools are listed only when selected)."""
        return sorted(self._tools)

    def get(self, name: str) -> Tool | None:
        if name in self._tools:
            return self._tools[name]
        provider = self._provider_of(name)
        if provider is not None:
            return next((t for t in provider.tools() if t.name == name), None)
        return None

    def _provider_of(self, name: str) -> ToolProvider | None:
        return next((p for p in self._providers if name == p.prefix or name.startswith(p.prefix + "__")), None)

    def select(self, names: Iterable[str]) -> tuple[list[Tool], list[str]]:
        """The tools `names` ask for (in order, each once; a provider prefix gives all its tools),
        and the names that matched nothing."""
        chosen: dict[str, Tool] = {}
        unknown: list[str] = []
        for name in names:
            provider = self._provider_of(name) if name not in self._tools else None
            if provider is not None and name == provider.prefix:
                found = provider.tools()
            else:
                tool = self.get(name)
                found = [tool] if tool is not None else []
            if not found:
                unknown.append(name)
            for tool in found:
                chosen.setdefault(tool.name, tool)
        return list(chosen.values()), unknown


def default_toolbox(settings: Settings | None = None) -> Toolbox:
    """The built-in tools plus the tools of every configured provider."""
    toolbox = Toolbox(builtin_tools().values())
    for spec in PROVIDER_FACTORIES:
        module, _, function = spec.partition(":")
        for provider in getattr(importlib.import_module(module), function)(settings):
            toolbox.add_provider(provider)
    return toolbox
