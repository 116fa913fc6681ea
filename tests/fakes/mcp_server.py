"""A small real MCP server (stdio) that misbehaves on request, for the MCP client's failure tests.

    python -m tests.fakes.mcp_server [--die-at-start]

Tools: echo {text}, fail {why} (an error result), crash (the process exits mid-call),
hang (never answers), env {name, digest?} (a variable of the server's environment, or its hash).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("flaky", log_level="WARNING")


@server.tool()
def echo(text: str) -> str:
    """Say `text` back."""
    return f"echo: {text}"


@server.tool()
def fail(why: str) -> str:
    """Always an error result."""
    raise ToolError(f"failed because {why}")


@server.tool()
def crash() -> str:
    """Exit the whole server in the middle of the call."""
    os._exit(3)


@server.tool()
def hang() -> str:
    """Never answer (until the process is stopped)."""
    time.sleep(3600)
    return "too late"


@server.tool()
def env(name: str, digest: bool = False) -> str:
    """The value of an environment variable in the server (or its sha256)."""
    value = os.environ.get(name)
    if value is None:
        return "<unset>"
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest() if digest else value


if __name__ == "__main__":
    if "--die-at-start" in sys.argv:
        print("fatal: cannot open the frobnicator database", file=sys.stderr)
        sys.exit(2)
    server.run("stdio")
