"""The MCP client sessions of this process, on one background event loop thread.

The SDK is async and its transports hold task groups that must be entered and left in one task,
so each server's session lives in a task of our own loop. Callers block on a future: tools run
synchronously (in the kernel's thread, the CLI's, or a worker thread of the Jupyter server's tool
loop), and async code can `await asyncio.wrap_future(pool().submit(...))`. Nobody shares a loop
with the SDK, so a slow server blocks no one else's event loop. A stdio server starts on first use, is reused for the
life of the process, restarts on the next use after it died, and is stopped at exit.

Every failure is an `McpServerError` naming the server, with the secrets of its config scrubbed.
How a transport is opened, and why a start failed, is in transport.py.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
from concurrent.futures import Future
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Coroutine

from ..errors import McpServerError, VibeError

if TYPE_CHECKING:
    from .servers import Expanded, ServerConfig


@dataclass
class RemoteTool:
    """A tool as the server lists it."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass
class Connection:
    """One server's session and its state: stopped | running | failed."""

    config: ServerConfig
    status: str = "stopped"
    error: str | None = None
    tools: list[RemoteTool] = field(default_factory=list)
    session: Any = None
    _stop: asyncio.Event | None = None
    _task: asyncio.Task[None] | None = None
    _starting: asyncio.Future[None] | None = None
    _expanded: Expanded | None = None
    http_status: int | None = None  # the last HTTP error status (the SDK reports only "an error response")

    def scrub(self, text: str) -> str:
        """`text` without the expanded values of this server's env and headers (tokens, passwords)."""
        return self._expanded.scrub(text) if self._expanded else text

    def error_for(self, message: str, *, hint: str = "") -> McpServerError:
        """An error naming this server, scrubbed of its secrets (the connection stays as it is)."""
        return McpServerError(f"MCP server {self.config.name!r}: {self.scrub(message)}", server=self.config.name,
                              hint=hint or f"Check mcp_servers.{self.config.name} in config.yaml.")

    def fail(self, message: str, *, hint: str = "") -> McpServerError:
        """`error_for`, and the connection is marked failed (it did not start, or it broke)."""
        self.status, self.error = "failed", self.scrub(message)
        return self.error_for(message, hint=hint)


class Pool:
    """Connections by server name, driven on the pool's own loop thread."""

    def __init__(self) -> None:
        import os

        self.pid = os.getpid()
        self.connections: dict[str, Connection] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="vibing2-lab-mcp", daemon=True)
        self._thread.start()
        self._lock = threading.Lock()

    # -- from any thread --------------------------------------------------------------------------
    def submit(self, work: Coroutine[Any, Any, Any]) -> Future[Any]:
        """Run `work` on the pool's loop; block on `.result()` or `await asyncio.wrap_future(...)`."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("Pool.submit called from the pool's own loop (it would wait on itself)")
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    def connection(self, config: ServerConfig) -> Connection:
        """The connection for `config` (a changed config replaces the old one, which is stopped)."""
        with self._lock:
            known = self.connections.get(config.name)
            if known is not None and known.config == config:
                return known
            if known is not None:
                self.submit(_stop(known))
            self.connections[config.name] = Connection(config)
            return self.connections[config.name]

    def tools(self, config: ServerConfig) -> list[RemoteTool]:
        """The server's tools, starting it if needed (waits at most its start timeout)."""
        conn = self.connection(config)
        return self._wait(self.submit(_ensure(conn)), config.start_timeout + 5, conn)

    def tools_of_each(self, configs: list[ServerConfig]) -> list[list[RemoteTool] | McpServerError]:
        """`tools` of several servers, started side by side; a failure is returned in its place."""
        conns = [self.connection(config) for config in configs]
        futures = [self.submit(_ensure(conn)) for conn in conns]
        results: list[list[RemoteTool] | McpServerError] = []
        for conn, future in zip(conns, futures):
            try:
                results.append(self._wait(future, conn.config.start_timeout + 5, conn))
            except McpServerError as exc:
                results.append(exc)
        return results

    def call(self, config: ServerConfig, tool: str, arguments: dict[str, Any], *,
             cancelled: Callable[[], bool] | None = None) -> Any:
        """Call `tool` and wait for its CallToolResult (at most the server's call timeout; `cancelled`
        is polled so Stop ends the wait, and Ctrl+C cancels the call on the server's side too)."""
        conn = self.connection(config)
        return self._wait(self.submit(_call(conn, tool, arguments)), config.start_timeout + config.timeout + 5, conn,
                          cancelled=cancelled)

    def stop_all(self) -> None:
        """Stop every server (at exit, or when a test is done with them); a forked child's copy stops nothing."""
        import os

        if os.getpid() != self.pid or not self._loop.is_running():
            return
        with self._lock:
            conns = list(self.connections.values())
        futures = [self.submit(_stop(conn)) for conn in conns]
        for future in futures:
            try:
                future.result(10)
            except Exception:  # a server that will not stop cleanly is killed with our process anyway
                pass

    @staticmethod
    def _wait(future: Future[Any], seconds: float, conn: Connection, *,
              cancelled: Callable[[], bool] | None = None) -> Any:
        import concurrent.futures
        import time

        deadline = time.monotonic() + seconds
        try:
            while True:
                try:
                    return future.result(min(0.1, max(deadline - time.monotonic(), 0)))
                except concurrent.futures.TimeoutError:
                    if cancelled is not None and cancelled():
                        raise McpServerError(f"MCP server {conn.config.name!r}: the call was stopped.",
                                             server=conn.config.name, hint="Stopped by the user.") from None
                    if time.monotonic() >= deadline:
                        raise conn.error_for(f"no answer within {seconds:g} s.") from None
        except BaseException:
            future.cancel()  # the task on the pool's loop is cancelled with it
            raise


# -- on the pool's loop ------------------------------------------------------------------------------

async def _ensure(conn: Connection) -> list[RemoteTool]:
    """Start the connection unless it is running; concurrent callers share one start."""
    if conn.status == "running":
        return conn.tools
    if conn._starting is None or conn._starting.done():
        if conn._task is not None and not conn._task.done():
            await _stop(conn)  # a session left over from a failed start or a broken call: one process at a time
        conn._starting = asyncio.get_running_loop().create_future()
        conn._stop = asyncio.Event()
        conn._task = asyncio.create_task(_hold(conn, conn._starting))
    try:
        await asyncio.wait_for(asyncio.shield(conn._starting), conn.config.start_timeout)
    except asyncio.TimeoutError:
        await _stop(conn)
        raise conn.fail(f"did not start within {conn.config.start_timeout:g} s ({conn.config.where()}).",
                        hint=f"Check that it runs by hand, or raise mcp_servers.{conn.config.name}.start_timeout.")
    return conn.tools


async def _hold(conn: Connection, started: asyncio.Future[None]) -> None:
    """Open the transport and session, list the tools, then keep them open until stopped."""
    from mcp import ClientSession

    from .transport import leaf_error, open_transport, start_error

    try:
        async with AsyncExitStack() as stack:
            conn._expanded = conn.config.expanded()
            read, write = await stack.enter_async_context(open_transport(conn, conn._expanded, stack))
            session = await stack.enter_async_context(ClientSession(read, write))
            await session.initialize()
            listed = await session.list_tools()
            conn.tools = [RemoteTool(t.name, t.description or "", dict(t.input_schema)) for t in listed.tools]
            conn.session, conn.status, conn.error = session, "running", None
            started.set_result(None)
            assert conn._stop is not None
            await conn._stop.wait()
    except McpServerError as exc:
        conn.status, conn.error = "failed", exc.message
        if not started.done():
            started.set_exception(exc)
    except VibeError as exc:  # e.g. an unset ${VAR}
        if not started.done():
            started.set_exception(conn.fail(exc.message, hint=exc.hint))
    except BaseException as exc:  # the SDK raises OSError, httpx errors, exception groups, cancellation
        error = start_error(conn, exc) if not started.done() else conn.fail(f"stopped: {leaf_error(exc)}")
        if not started.done():
            started.set_exception(error)
        if isinstance(exc, asyncio.CancelledError):
            raise
    finally:
        conn.session = None
        if conn.status == "running":
            conn.status = "stopped"


async def _call(conn: Connection, tool: str, arguments: dict[str, Any]) -> Any:
    from mcp.shared.exceptions import MCPError

    await _ensure(conn)
    try:
        return await conn.session.call_tool(tool, arguments, read_timeout_seconds=conn.config.timeout)
    except MCPError as exc:
        if "timed out" in str(exc):
            raise conn.error_for(f"tool {tool!r} gave no answer within {conn.config.timeout:g} s.",
                            hint=f"Raise mcp_servers.{conn.config.name}.timeout if the tool is just slow.") from None
        await _stop(conn)  # the connection is gone (crashed or closed): the next use starts it again
        raise conn.fail(f"tool {tool!r} failed: {exc}.",
                        hint="The server stopped or broke its connection; it is restarted on the next use.") from None


async def _stop(conn: Connection) -> None:
    if conn._stop is not None:
        conn._stop.set()
    task = conn._task
    if task is not None and not task.done():
        try:
            await asyncio.wait_for(asyncio.shield(task), 5)
        except (asyncio.TimeoutError, Exception):
            task.cancel()
    if conn.status == "running":
        conn.status = "stopped"


_POOL: Pool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> Pool:
    """The process's pool (created, with its thread, on first use; servers stopped at exit).
    A forked child gets a new pool: the parent's loop thread did not survive the fork."""
    import os

    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL.pid != os.getpid():  # a forked child has no loop thread: its own pool
            _POOL = Pool()
            atexit.register(_POOL.stop_all)
        return _POOL
