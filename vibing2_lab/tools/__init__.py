"""Agent tools: what an agent may do besides talk, under a policy and the user's consent.

    from vibing2_lab.tools import ToolContext, ToolRunner, Policy, default_toolbox

    toolbox = default_toolbox(settings)                 # built-ins + providers (MCP)
    tools, unknown = toolbox.select(agent.tools)        # what the frontmatter lists
    runner = ToolRunner(Policy.from_config(...).with_approved(["Python"]),
                        consent=nobody_to_ask, ctx=ToolContext(cwd=notebook_dir, namespace=user_ns))
    step = runner.run(tool_use_event, {t.name: t for t in tools})   # → ToolStep

Modules: base (Tool, ToolContext, Limits), policy (Policy), consent (Consent, Decision,
PendingCall), registry (Toolbox, ToolProvider), runner (ToolRunner, ToolStep), and one
module per built-in family: files (Read, Glob, Grep), write (Write, Edit), python (Python,
Variables), bash (Bash), notebook (NotebookRead, NotebookEdit through the adapter).
Importing this package loads no tool family and nothing heavy.
"""

from __future__ import annotations

from ..errors import OutsideWorkdirError, ToolError, ToolInputError
from .base import Limits, NotebookBridge, Tool, ToolContext
from .consent import Consent, Decision, PendingCall, nobody_to_ask, parse_answer, tty_consent
from .policy import Policy, matches, parse_allow
from .registry import PROVIDER_FACTORIES, ToolProvider, Toolbox, builtin_tools, default_toolbox
from .runner import ToolRunner, ToolStep

__all__ = ["Consent", "Decision", "Limits", "NotebookBridge", "OutsideWorkdirError", "PROVIDER_FACTORIES",
           "PendingCall", "Policy", "Tool", "ToolContext", "ToolError", "ToolInputError", "ToolProvider",
           "ToolRunner", "ToolStep", "Toolbox", "builtin_tools", "default_toolbox", "matches",
           "nobody_to_ask", "parse_allow", "parse_answer", "tty_consent"]
