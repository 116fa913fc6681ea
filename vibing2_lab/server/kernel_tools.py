"""Python and Variables on the kernel of the notebook open beside the sidebar.

The server never starts a kernel of its own: the kernel is the one Jupyter's kernel manager
runs for that notebook, reached with an async kernel client from `km.client()`. A tool runs
in the core's worker thread; the kernel work runs on the server's event loop
(`run_coroutine_threadsafe`) and the worker waits. Outputs are captured from iopub (only
this execution's), cut to the limits; `store_history=False`, so In/Out and the execution
count of the user's notebook do not move. Stop (or the client leaving) interrupts the kernel
through the kernel manager; a kernel that is busy, dead or gone is a clear tool error.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ToolError
from ..tools import python as core_python
from ..tools.base import ToolContext, cut

if TYPE_CHECKING:
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ERROR_MARK = "[vibing2-lab: Variables error] "
START_TIMEOUT = 15.0  # s for the client's channels to be ready


class KernelGone(ToolError):
    """The notebook's kernel is not there (or not answering)."""


@dataclass
class NotebookKernel:
    """The kernel of the open notebook, as Jupyter's kernel manager runs it."""

    manager: MappingKernelManager
    kernel_id: str
    loop: asyncio.AbstractEventLoop

    def run(self, code: str, ctx: ToolContext, *, timeout: float) -> dict[str, str]:
        """Execute `code` (worker thread): {stdout, stderr, result, error}; ToolError for a kernel
        that cannot run it; KeyboardInterrupt after Stop interrupted it."""
        if ctx.cancelled:
            raise KeyboardInterrupt
        future = asyncio.run_coroutine_threadsafe(self._execute(code, ctx, timeout), self.loop)
        unhook = ctx.cancel.on_stop(self.interrupt) if ctx.cancel is not None else (lambda: None)
        try:
            out = future.result(timeout=timeout + START_TIMEOUT + 10)
        except TimeoutError:
            future.cancel()
            self.interrupt()
            raise ToolError(f"The kernel did not finish within {timeout:g} s; it was interrupted.") from None
        finally:
            unhook()
        if ctx.cancelled:  # Stop interrupted it: the core keeps the step and ends the answer
            raise KeyboardInterrupt
        return out

    def interrupt(self) -> None:
        """Interrupt the kernel through the kernel manager (from any thread)."""
        asyncio.run_coroutine_threadsafe(self._interrupt(), self.loop)

    async def _interrupt(self) -> None:
        try:
            await self.manager.interrupt_kernel(self.kernel_id)
        except Exception:  # the kernel may be gone already: nothing left to interrupt
            pass

    def _kernel(self) -> Any:
        if self.kernel_id in self.manager:  # get_kernel answers an unknown id with an HTTP 404
            return self.manager.get_kernel(self.kernel_id)
        raise KernelGone(f"There is no kernel {self.kernel_id} on this server (it was shut down).",
                         hint="Start the notebook's kernel again (Kernel → Restart) and ask again.")

    async def _execute(self, code: str, ctx: ToolContext, timeout: float) -> dict[str, str]:
        km = self._kernel()
        if not await km.is_alive():
            raise KernelGone(f"The notebook's kernel {self.kernel_id} is dead.",
                             hint="Restart it (Kernel → Restart Kernel) and ask again.")
        if getattr(km, "execution_state", "idle") == "busy":
            raise ToolError("The notebook's kernel is busy running a cell; the tool did not run.",
                            hint="Wait for the cell to finish (or interrupt it), then ask again.")
        client = km.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=START_TIMEOUT)
            return await self._collect(client, km, code, ctx, timeout)
        except RuntimeError as exc:  # wait_for_ready: died or not answering
            raise KernelGone(f"The notebook's kernel is not answering: {exc}.",
                             hint="Restart it (Kernel → Restart Kernel) and ask again.") from None
        finally:
            client.stop_channels()

    async def _collect(self, client: Any, km: Any, code: str, ctx: ToolContext, timeout: float) -> dict[str, str]:
        cap = ctx.limits.max_output_chars * 2
        out, err = core_python._Capped(cap), core_python._Capped(cap)
        found: dict[str, str] = {"result": "", "error": ""}

        def hook(msg: dict[str, Any]) -> None:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                (err if content.get("name") == "stderr" else out).write(content.get("text", ""))
            elif kind in ("execute_result", "display_data"):
                text = str(content.get("data", {}).get("text/plain", ""))
                if kind == "execute_result":
                    found["result"] = text
                else:
                    out.write(text + "\n")
            elif kind == "error":
                found["error"] = _ANSI.sub("", "\n".join(content.get("traceback") or [])) or \
                    f"{content.get('ename')}: {content.get('evalue')}"

        run = asyncio.ensure_future(client.execute_interactive(
            code, store_history=False, allow_stdin=False, output_hook=hook, timeout=timeout))
        started = time.monotonic()
        while not run.done():  # a kernel that dies mid-run must not leave the tool waiting
            await asyncio.wait({run}, timeout=0.5)
            if not run.done() and not await km.is_alive():
                run.cancel()
                raise KernelGone("The notebook's kernel died while the tool ran.",
                                 hint="Restart it (Kernel → Restart Kernel); the code may have used too much memory.")
            if not run.done() and time.monotonic() - started > timeout + 1:
                run.cancel()
                break
        if run.cancelled() or isinstance(run.exception(), TimeoutError):
            await self._interrupt()
            raise ToolError(f"The code ran longer than {timeout:g} s; the kernel was interrupted.",
                            hint="Run shorter steps, or raise tools.bash_timeout in config.yaml.")
        run.result()
        return {"stdout": out.getvalue(), "stderr": err.getvalue(), **found}


class _Text(str):
    """An execute_result's text/plain: already a repr, shown as it is by the core's report."""

    def __repr__(self) -> str:
        return str(self)


def _kernel_of(ctx: ToolContext) -> NotebookKernel:
    kernel = ctx.extras.get("kernel")
    if kernel is None:
        raise ToolError("No notebook kernel is attached to this chat.",
                        hint="Open a notebook with a running kernel beside the Vibe sidebar, then ask again.")
    return kernel


class KernelPython(core_python.Python):
    """Python (same name, schema, consent and report as the core's) on the notebook's kernel."""

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        got = _kernel_of(ctx).run(input["code"], ctx, timeout=ctx.limits.bash_timeout)
        value = _Text(got["result"]) if got["result"] else None
        report = cut(core_python._report(got["stdout"], got["stderr"], value, got["error"]),
                     ctx.limits.max_output_chars)
        if got["error"]:
            raise ToolError(report)
        return report


def _variables_source() -> str:
    """The core's Variables code, self-contained, to run in the kernel: one rule, two places it runs."""
    parts = [inspect.getsource(f) for f in (cut, core_python._shape, core_python._detail, core_python.variables_text)]
    return "\n\n".join(["from __future__ import annotations\nfrom typing import Any", "class ToolError(Exception):\n"
                        "    def __init__(self, message, hint=''):\n        super().__init__(message)", *parts])


class KernelVariables(core_python.Variables):
    """Variables on the notebook's kernel: the core's listing, run there in a private namespace."""

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        name = input.get("name")
        code = (f"exec({_variables_source()!r} + '''\n"
                f"try:\n    print(variables_text(__ns, {name!r}, {ctx.limits.max_output_chars}))\n"
                f"except ToolError as e:\n    print({_ERROR_MARK!r} + str(e))\n''', "
                "{'__ns': globals(), '__name__': '__vibe_variables__'})")
        got = _kernel_of(ctx).run(code, ctx, timeout=ctx.limits.bash_timeout)
        if got["error"]:
            raise ToolError(f"Variables failed in the kernel:\n{cut(got['error'], 4_000)}")
        text = got["stdout"].rstrip("\n")
        if text.startswith(_ERROR_MARK):
            raise ToolError(text[len(_ERROR_MARK):], hint="Call Variables without a name to list them.")
        return text


TOOLS = (KernelPython, KernelVariables)
