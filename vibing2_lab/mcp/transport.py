"""Opening one MCP server's transport (stdio process or streamable HTTP) and explaining why a
start failed: the server's own last stderr lines, or the HTTP status the SDK does not report."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from ..errors import McpServerError

if TYPE_CHECKING:
    from .client import Connection
    from .servers import Expanded, ServerConfig


def open_transport(conn: Connection, values: Expanded, stack: AsyncExitStack) -> Any:
    config = conn.config
    if config.transport == "stdio":
        from mcp import StdioServerParameters, stdio_client

        params = StdioServerParameters(command=_command(config), args=values.args, env=values.env or None,
                                       cwd=values.cwd)
        return stdio_client(params, errlog=stack.enter_context(_errlog(config)))
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async def note_status(response: Any) -> None:
        conn.http_status = response.status_code if response.status_code >= 400 else conn.http_status

    client = create_mcp_http_client(headers=values.headers or None)
    client.event_hooks["response"].append(note_status)
    return _http(streamable_http_client(values.url, http_client=client), client)


class _http:
    """streamable_http_client with the httpx client we made closed after it."""

    def __init__(self, inner: Any, client: Any) -> None:
        self.inner, self.client = inner, client

    async def __aenter__(self) -> Any:
        await self.client.__aenter__()
        return await self.inner.__aenter__()

    async def __aexit__(self, *exc: Any) -> None:
        try:
            await self.inner.__aexit__(*exc)
        finally:
            await self.client.__aexit__(None, None, None)


def _command(config: ServerConfig) -> str:
    """`command` from PATH, else beside this Python (a kernel of a venv often runs without its PATH)."""
    import shutil
    import sys
    from pathlib import Path

    assert config.command is not None
    found = shutil.which(config.command) or shutil.which(config.command, path=str(Path(sys.executable).parent))
    if found is None:
        raise McpServerError(f"MCP server {config.name!r}: command {config.command!r} not found.",
                             server=config.name,
                             hint=f"Install it (e.g. pip install {config.command}) or fix "
                                  f"mcp_servers.{config.name}.command in config.yaml.")
    return found


def _errlog(config: ServerConfig) -> Any:
    """The server's stderr goes to `<home>/logs/mcp-<name>.log`, rewritten at each start (start errors
    quote its last lines), not into our own output, which may be a notebook or the MCP stdio stream."""
    path = _log_path(config)
    path.parent.mkdir(exist_ok=True)
    return open(path, "w", encoding="utf-8", errors="replace")


def _log_path(config: ServerConfig) -> Any:
    from ..paths import home

    return home() / "logs" / f"mcp-{config.name}.log"


def start_error(conn: Connection, exc: BaseException) -> McpServerError:
    leaf = leaf_error(exc)
    if conn.config.transport == "http":
        status = conn.http_status
        if status in (401, 403):
            return conn.fail(f"{conn.config.url} refused the connection ({status} "
                             f"{'Unauthorized' if status == 401 else 'Forbidden'}).",
                             hint=f"Check the token in mcp_servers.{conn.config.name}.headers "
                                  "(and that its ${VAR} is set).")
        said = f" (HTTP {status})" if status else ""
        return conn.fail(f"could not connect to {conn.config.url}: {leaf}{said}.")
    log = _log_path(conn.config)
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:] if log.exists() else []
    said = f" Its last words: {' | '.join(tail)}" if tail else ""
    return conn.fail(f"could not start ({conn.config.where()}): {leaf or type(leaf).__name__}.{said}")


def leaf_error(exc: BaseException) -> BaseException:
    """The first real error inside (nested) exception groups."""
    while getattr(exc, "exceptions", None):  # BaseExceptionGroup (3.11+, or the backport on 3.10)
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    return exc
