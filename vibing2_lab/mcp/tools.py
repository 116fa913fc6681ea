"""The configured MCP servers' tools as agent tools, named as Claude Code names them:
`mcp__<server>__<tool>`; an agent's frontmatter may list one of them or the whole `mcp__<server>`.

A server starts only when an agent lists one of its names, and then once per process (client.py).
Its tool definitions are kept in `<home>/mcp/<server>.tools.json` each time it lists them, so:
- in strict replay no server is started: the tools are offered from that file (the request hash
  covers them), and since replay feeds the recorded results back, `run` is never reached (it
  refuses, to be sure); in fallback replay a server starts only if a live call runs one of its tools;
- a server that fails to start still offers its last known tools, and calling one gives an error
  result naming the server and the reason, so the answer goes on.
A server never listed and failing now offers nothing; a warning names it and says why.
The provider waits for a server to start (the first use pays ~1 s): async callers select tools
off their event loop (orchestrate's make_request runs in a worker thread).
MCP tools ask for consent by default (`--allow mcp__<server>` or config `tools.allow` pre-approve).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ..errors import McpServerError, ToolError
from ..log_text import logger
from ..tools.base import Tool, ToolContext, cut

if TYPE_CHECKING:
    from ..config import Settings
    from .client import RemoteTool
    from .servers import ServerConfig

log = logger("vibing2_lab.tools")


def tool_name(server: str, tool: str) -> str:
    """`mcp__<server>__<tool>`, with characters the model APIs refuse in names replaced by `_`."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"mcp__{server}__{tool}")[:128]


class McpTool(Tool):
    """One tool of one MCP server."""

    default_policy = "ask"

    def __init__(self, server: ServerConfig, remote: RemoteTool, *, offline: bool = False) -> None:
        self.server, self.remote, self.offline = server, remote, offline
        self.name = tool_name(server.name, remote.name)  # type: ignore[misc]
        self.description = remote.description or f"{remote.name} (MCP server {server.name})"  # type: ignore[misc]
        self.input_schema = remote.input_schema or {"type": "object", "properties": {}}  # type: ignore[misc]

    def describe(self, input: dict[str, Any], ctx: ToolContext) -> str:
        return f"MCP server {self.server.name!r} ({self.server.where()}): {self.remote.name} " + \
            json.dumps(input, ensure_ascii=False, indent=1)

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        if self.offline:
            raise ToolError(f"{self.name} was not run: replay never contacts MCP server {self.server.name!r}.",
                            hint="Run the notebook live (without VIBING2_LAB_MODE=replay) to call it.")
        from .client import pool

        result = pool().call(self.server, self.remote.name, input, cancelled=lambda: ctx.cancelled)
        # What comes back lands in the record, the store and the notebook: never with a configured secret.
        text = pool().connection(self.server).scrub(result_text(result))
        if result.is_error:
            raise McpServerError(f"MCP server {self.server.name!r}: {self.remote.name} answered with an error: "
                                 f"{cut(text, 2_000)}", server=self.server.name,
                                 hint="The server reported it; check the input or the server's own docs.")
        return cut(text, ctx.limits.max_output_chars)


def result_text(result: Any) -> str:
    """A CallToolResult as text for the model: text blocks as they are, other blocks described."""
    parts: list[str] = []
    for block in result.content or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource" and hasattr(block.resource, "text"):
            parts.append(block.resource.text)
        else:
            mime = getattr(block, "mime_type", None) or getattr(getattr(block, "resource", None), "mime_type", "")
            parts.append(f"[{kind} content{f' ({mime})' if mime else ''} not shown]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)


class McpToolProvider:
    """A ToolProvider (tools/registry.py) for one configured server."""

    def __init__(self, config: ServerConfig, *, offline: bool, lazy: bool = False) -> None:
        # offline (strict replay): never start; lazy (fallback replay): start only when a call runs
        self.config, self.offline, self.lazy = config, offline, lazy
        self.prefix = f"mcp__{config.name}"
        self._tools: list[Tool] | None = None

    def tools(self) -> list[Tool]:
        if self._tools is None:
            self._tools = [McpTool(self.config, remote, offline=self.offline) for remote in self._remote()]
        return self._tools

    def _remote(self) -> list[RemoteTool]:
        if self.offline or self.lazy:
            known = load_definitions(self.config.name)
            if not known and self.offline:
                log.warning("MCP server %r was never listed here, so replay cannot offer its tools as recorded "
                            "(and will not start it). Run `vibing2-lab mcp list` once live, then replay again.",
                            self.config.name)
            if known or self.offline:
                return known
        from .client import pool

        try:
            remote = pool().tools(self.config)
        except McpServerError as exc:
            known = load_definitions(self.config.name)
            log.warning("%s %s", exc, "Its last known tools are offered; calling one reports the error."
                        if known else "Its tools are not available to this answer.")
            return known
        save_definitions(self.config.name, remote)
        return remote


def tool_providers(settings: Settings | None) -> list[McpToolProvider]:
    """One provider per configured server (PROVIDER_FACTORIES entry); none starts yet."""
    if settings is None:
        from ..config import load_settings

        settings = load_settings()
    offline, lazy = settings.mode == "replay", settings.mode == "replay-fallback"
    return [McpToolProvider(config, offline=offline, lazy=lazy) for config in settings.mcp_servers.values()]


# -- the definitions file -------------------------------------------------------------------------

def _definitions_path(server: str) -> Any:
    from ..paths import home

    return home() / "mcp" / f"{server}.tools.json"


def save_definitions(server: str, remote: list[RemoteTool]) -> None:
    path = _definitions_path(server)
    path.parent.mkdir(exist_ok=True)
    data = [{"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in remote]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)  # atomic: a kernel and the server may list at the same time


def load_definitions(server: str) -> list[RemoteTool]:
    """The last listed tools of `server` ([] when never listed or the file is unreadable)."""
    from .client import RemoteTool

    try:
        data = json.loads(_definitions_path(server).read_text(encoding="utf-8"))
        return [RemoteTool(str(t["name"]), str(t.get("description") or ""), dict(t.get("input_schema") or {}))
                for t in data]
    except (OSError, ValueError, TypeError, KeyError):
        return []


# -- `vibing2-lab mcp list`, `%vibe mcp` ------------------------------------------------------------

def server_statuses(settings: Settings | None = None) -> list[dict[str, Any]]:
    """Every configured server: transport, where (no secrets), status after trying to start it, tools."""
    from .client import pool

    if settings is None:
        from ..config import load_settings

        settings = load_settings()
    configs = list(settings.mcp_servers.values())
    rows = []
    for config, found in zip(configs, pool().tools_of_each(configs)):
        error = str(found) if isinstance(found, McpServerError) else None
        remote = [] if isinstance(found, McpServerError) else found
        if error is None:
            save_definitions(config.name, remote)
        rows.append({"name": config.name, "transport": config.transport, "where": config.where(),
                     "status": "running" if error is None else "failed", "error": error,
                     "tools": [{"name": tool_name(config.name, t.name), "description": " ".join(t.description.split())}
                               for t in remote]})
    return rows
