"""Kernel tools: Python (run code in the user's namespace; asks) and Variables (allowed).

Python runs in the calling thread. In a `%%vibe` cell that is the kernel's main thread,
so Stop / Ctrl+C raises KeyboardInterrupt inside the user's code, exactly like
interrupting a cell. In a worker thread (fan-out) a Stop is delivered the same way, as
an asynchronous KeyboardInterrupt raised in that thread when `ctx.cancel` stops.
"""

from __future__ import annotations

import ast
import contextlib
import io
import threading
import traceback
from typing import Any

from ..errors import ToolError
from .base import Tool, ToolContext, cut


class Python(Tool):
    name = "Python"
    description = ("Run Python code in the user's kernel, where their variables are. Returns stdout, "
                   "stderr, the repr of the last expression, and any error with its traceback.")
    input_schema = {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}
    default_policy = "ask"

    def describe(self, input: dict[str, Any], ctx: ToolContext) -> str:
        return input["code"]

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        try:
            tree = ast.parse(input["code"], "<Python tool>", "exec")
        except SyntaxError as exc:
            raise ToolError(f"SyntaxError: {exc.msg} (line {exc.lineno}).", hint="Fix the code and call again.") from None
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        cap = ctx.limits.max_output_chars * 2
        out, err = _Capped(cap), _Capped(cap)
        value: Any = None
        failed = ""
        ns = ctx.namespace
        with _interruptible(ctx), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                exec(compile(tree, "<Python tool>", "exec"), ns)
                if last is not None:
                    value = eval(compile(ast.Expression(last.value), "<Python tool>", "eval"), ns)
            except Exception:
                failed = traceback.format_exc()
        report = cut(_report(out.getvalue(), err.getvalue(), value, failed), ctx.limits.max_output_chars)
        if failed:  # the model must see that its code failed: an error result, with the output so far
            raise ToolError(report)
        return report


class _Capped(io.StringIO):
    """Captured output that keeps at most `cap` characters (code printing without end must not
    fill the kernel's memory) and counts the rest."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.dropped = 0

    def write(self, text: str) -> int:
        room = self.cap - self.tell()
        if room > 0:
            super().write(text[:room])
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)

    def getvalue(self) -> str:
        value = super().getvalue()
        return f"{value}\n[… and {self.dropped:,} more characters, not kept]" if self.dropped else value


def _report(stdout: str, stderr: str, value: Any, failed: str) -> str:
    parts = []
    if stdout:
        parts.append(f"stdout:\n{stdout.rstrip()}")
    if stderr:
        parts.append(f"stderr:\n{stderr.rstrip()}")
    if value is not None:
        parts.append(f"result:\n{value!r}")
    if failed:
        parts.append(f"error:\n{failed.rstrip()}")
    return "\n".join(parts) or "(no output)"


@contextlib.contextmanager
def _interruptible(ctx: ToolContext):  # type: ignore[no-untyped-def]
    """Off the main thread, turn a Stop into a KeyboardInterrupt inside the running code."""
    if ctx.cancel is None or threading.current_thread() is threading.main_thread():
        yield
        return
    import ctypes

    ident = threading.get_ident()
    lock = threading.Lock()
    running = [True]

    def interrupt() -> None:
        with lock:  # never into code after the tool: only while it runs
            if running[0]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(KeyboardInterrupt))

    unhook = ctx.cancel.on_stop(interrupt)
    try:
        yield
    finally:
        with lock:
            running[0] = False
        unhook()


def _shape(value: Any) -> str:
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):
        return "×".join(str(n) for n in shape)
    try:
        return f"len {len(value)}"
    except Exception:
        return ""


def _detail(name: str, value: Any) -> str:
    head = f"{name}: {type(value).__module__}.{type(value).__qualname__} {_shape(value)}".rstrip()
    if type(value).__name__ == "DataFrame" and hasattr(value, "dtypes"):
        schema = "\n".join(f"  {col}: {dtype}" for col, dtype in value.dtypes.items())
        return f"{head}\ncolumns:\n{schema}\nhead:\n{value.head(5).to_string()}"
    return f"{head}\n{cut(repr(value), 2_000, what='repr')}"


class Variables(Tool):
    name = "Variables"
    description = ("List the user's variables (name, type, shape), or describe one (`name`): "
                   "a DataFrame's columns, dtypes and first rows.")
    input_schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    default_policy = "allow"

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        return variables_text(ctx.namespace, input.get("name"), ctx.limits.max_output_chars)


def variables_text(ns: dict[str, Any], name: str | None, limit: int) -> str:
    """Variables' result for a namespace. Self-contained with _shape, _detail and cut: the server
    sends these functions' source to a notebook's kernel (server/kernel_tools.py)."""
    if name:
        if name not in ns:
            raise ToolError(f"There is no variable {name!r}.", hint="Call Variables without a name to list them.")
        return cut(_detail(name, ns[name]), limit)
    hidden = {"In", "Out", "exit", "quit", "get_ipython", "open"}
    rows = [f"{key}: {type(v).__qualname__} {_shape(v)}".rstrip() for key, v in ns.items()
            if not key.startswith("_") and key not in hidden and type(v).__name__ != "module"
            and not callable(v)]
    return cut("\n".join(rows) or "(no variables)", limit)


TOOLS = (Python, Variables)
