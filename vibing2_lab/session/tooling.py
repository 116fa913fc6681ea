"""The tools of one ask: which tools each agent gets, the one runner its calls share, and the
ToolLoop that wraps an agent's provider when it has tools.

An agent gets exactly the tools its frontmatter lists (`tools:`); unknown names are skipped
with a warning naming them; an agent without `tools:` (and a plain ask) gets config.yaml's
`tools.default`, empty unless set. The adapter supplies where tools act (ToolContext) and
how consent is asked (Consent); by default: the ask's project folder or the current
directory, and nobody to ask (a tool that needs consent is denied at once).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..log_text import logger

if TYPE_CHECKING:
    from ..agents import Agent
    from ..config import Settings
    from ..providers import Provider
    from ..tools import Consent, Tool, ToolContext, Toolbox, ToolRunner
    from .loop import ToolLoop

log = logger("vibing2_lab.session")


class AskTools:
    """Tool selection and the shared ToolRunner of one ask (built lazily, on the first agent with tools)."""

    def __init__(self, settings: Settings, *, allow: tuple[str, ...], ctx: ToolContext | None,
                 consent: Consent | None, cwd: Path | None, replay: str = "off",
                 toolbox_factory: Callable[[Settings], Toolbox] | None = None) -> None:
        self.settings = settings
        self.replay = replay  # the ask's own (e.g. %%vibe --replay): MCP servers must not start in replay
        self.allow = allow
        self._ctx = ctx
        self._consent = consent
        self._cwd = cwd
        self._toolbox: Toolbox | None = None
        self._toolbox_factory = toolbox_factory  # an adapter's own tools (the server's kernel tools)
        self._runner: ToolRunner | None = None
        self.warnings: list[str] = []

    def names_for(self, agent: Agent | None) -> list[str]:
        listed = agent.tools if agent is not None and agent.tools else None
        return list(listed if listed is not None else self.settings.tools.default)

    def any_tools(self, agents: list[Agent]) -> bool:
        """Whether any of these agents (a plain ask: none) lists tools."""
        return any(self.names_for(agent) for agent in agents or [None])

    def tools_for(self, agent: Agent | None) -> list[Tool]:
        """The tools this agent is offered; unknown names are skipped with a warning."""
        names = self.names_for(agent)
        if not names:
            return []
        if self._toolbox is None:
            from dataclasses import replace

            from ..tools import default_toolbox

            mode = {"strict": "replay", "fallback": "replay-fallback"}.get(self.replay, "live")
            self._toolbox = (self._toolbox_factory or default_toolbox)(replace(self.settings, mode=mode))
        tools, unknown = self._toolbox.select(names)
        if unknown:
            who = f"agent {agent.name!r}" if agent is not None else "tools.default"
            message = (f"{who} lists tools vibing2-lab does not have, skipped: {', '.join(unknown)} "
                       f"(known: {', '.join(self._toolbox.names)}, mcp__<server>__<tool>)")
            self.warnings.append(message)
            log.warning("%s", message)
        return tools

    @property
    def runner(self) -> ToolRunner:
        if self._runner is None:
            from ..tools import Limits, Policy, ToolContext, ToolRunner, nobody_to_ask

            t = self.settings.tools
            ctx = self._ctx or ToolContext(self._cwd or Path.cwd())
            if ctx.limits == Limits():  # limits an adapter chose win; else config.yaml's
                ctx.limits = Limits(bash_timeout=t.bash_timeout, max_output_chars=t.max_output_chars)
            self._runner = ToolRunner(Policy.from_settings(self.settings, approved=self.allow),
                                      consent=self._consent or nobody_to_ask, ctx=ctx)
        return self._runner

    def loop(self, provider: Provider, tools: list[Tool]) -> ToolLoop:
        """`provider` wrapped in a tool loop for one call (the Call reads its `steps` and `files`)."""
        from .loop import ToolLoop

        return ToolLoop(provider, tools, self.runner, max_steps=self.settings.tools.max_steps)
