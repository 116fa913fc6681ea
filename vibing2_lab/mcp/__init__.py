"""MCP both ways, on the official `mcp` SDK (imported only here, only when MCP is used).

    server.py     `vibing2-lab mcp`: our agents, projects and `ask` as an MCP server (an adapter)
    servers.py    config.yaml `mcp_servers:` → checked ServerConfig entries (`${VAR}` expanded)
    client.py     the MCP client sessions of this process, on one background event loop
    transport.py  opening a server's stdio process or HTTP connection; why a start failed
    consent.py    consent for `vibing2-lab mcp` asks: the client's user, by elicitation
    tools.py      the configured servers' tools as agent tools named `mcp__<server>__<tool>`

Importing this package costs nothing: each module imports `mcp` itself.
"""

from __future__ import annotations
