"""`vibing2-lab mcp [--http PORT]` serves vibing2-lab over MCP; `vibing2-lab mcp list` shows the
MCP servers configured in config.yaml, whether they start, and their tools."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mcp", help="serve vibing2-lab over MCP (stdio, or --http PORT); `mcp list`: configured servers",
                       description="Without a verb: run vibing2-lab as an MCP server on stdio (for Claude Code, "
                                   "Cursor, Jupyter AI), or streamable HTTP on 127.0.0.1:PORT/mcp with --http.")
    p.add_argument("--http", type=int, metavar="PORT", help="serve streamable HTTP on 127.0.0.1:PORT at /mcp "
                   "(with $VIBING2_LAB_MCP_TOKEN set, only to requests with `Authorization: Bearer` that token)")
    p.add_argument("--project-dir", type=Path, default=None,
                   help="project whose .vibe/agents/ comes first (default: the current directory)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB")
    listing = verbs.add_parser("list", help="configured MCP servers: status and tools (starts each one)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=_list)
    p.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..mcp.server import serve

    if args.http is not None and not 0 < args.http < 65536:
        raise InputError(f"--http {args.http} is not a TCP port.", hint="Use a port between 1 and 65535, e.g. 8765.")
    import os

    # Over HTTP any local process can connect: $VIBING2_LAB_MCP_TOKEN makes it a bearer-token service.
    serve(http_port=args.http, project_dir=args.project_dir or Path.cwd(),
          token=os.environ.get("VIBING2_LAB_MCP_TOKEN") or None)
    return 0


def _list(args: argparse.Namespace) -> int:
    from ..mcp.tools import server_statuses

    rows = server_statuses()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No MCP servers configured. Add them under `mcp_servers:` in config.yaml.")
        return 0
    for row in rows:
        print(f"{row['name']}  {row['transport']}  {row['status']}" + (f": {row['error']}" if row["error"] else ""))
        for tool in row["tools"]:
            print(f"  {tool['name']}  {tool['description'][:70]}")
    return 0
