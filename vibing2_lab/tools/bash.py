"""Bash: a shell command in the working directory, with a timeout (asks by default).

The command runs in its own process group, so a timeout or a Stop kills everything it
started, not only the shell.
"""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Any

from ..errors import ToolError
from .base import Tool, ToolContext, cut


class Bash(Tool):
    name = "Bash"
    description = "Run a shell command in the working directory; stdout, stderr and the exit code come back."
    input_schema = {"type": "object", "properties": {"command": {"type": "string"},
                                                     "timeout": {"type": "number", "exclusiveMinimum": 0}},
                    "required": ["command"]}
    default_policy = "ask"

    def describe(self, input: dict[str, Any], ctx: ToolContext) -> str:
        return f"$ {input['command']}\n(in {ctx.cwd})"

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        # Claude Code's `timeout` is in milliseconds; ours may only shorten the configured one.
        limit = ctx.limits.bash_timeout
        if input.get("timeout"):
            limit = min(limit, float(input["timeout"]) / 1000)
        proc = subprocess.Popen(["/bin/sh", "-c", input["command"]], cwd=ctx.cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        unhook = ctx.cancel.on_stop(lambda: _kill(proc)) if ctx.cancel is not None else (lambda: None)
        try:
            out, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill(proc)
            out, err = proc.communicate()
            raise ToolError(f"The command ran over its {limit:g} s timeout and was killed.\n"
                            f"{_report(out, err, None, ctx)}", hint="Make it faster, or run it in the background.") from None
        except KeyboardInterrupt:
            _kill(proc)
            raise
        finally:
            unhook()
        if ctx.cancelled:
            raise KeyboardInterrupt
        return _report(out, err, proc.returncode, ctx)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _report(out: bytes, err: bytes, code: int | None, ctx: ToolContext) -> str:
    half = ctx.limits.max_output_chars // 2
    parts = [f"exit code {code}"] if code is not None else []
    if out:
        parts.append("stdout:\n" + cut(out.decode("utf-8", "replace").rstrip(), half))
    if err:
        parts.append("stderr:\n" + cut(err.decode("utf-8", "replace").rstrip(), half))
    return "\n".join(parts)


TOOLS = (Bash,)
