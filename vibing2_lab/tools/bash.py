"""Bash: a shell command in the working directory, with a timeout (asks by default).

The command runs in its own process group, so a timeout or a Stop kills everything it
started, not only the shell.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from typing import IO, Any

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
        cap = ctx.limits.max_output_chars * 4  # bytes kept per stream; the rest is read and dropped
        out, err = _Drain(proc.stdout, cap), _Drain(proc.stderr, cap)
        try:
            proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill(proc)
            proc.wait()
            raise ToolError(f"The command ran over its {limit:g} s timeout and was killed.\n"
                            f"{_report(out, err, None, ctx)}",
                            hint="Make it faster, or run it in the background.") from None
        except KeyboardInterrupt:
            _kill(proc)
            raise
        finally:
            unhook()
        if ctx.cancelled:
            raise KeyboardInterrupt
        return _report(out, err, proc.returncode, ctx)


class _Drain:
    """Reads a pipe to its end in a thread, keeping at most `cap` bytes, so a command that
    prints without end can neither fill memory nor block on a full pipe."""

    def __init__(self, pipe: IO[bytes] | None, cap: int) -> None:
        self.kept = bytearray()
        self.dropped = 0
        self._thread = threading.Thread(target=self._read, args=(pipe, cap), daemon=True)
        self._thread.start()

    def _read(self, pipe: IO[bytes] | None, cap: int) -> None:
        if pipe is None:
            return
        with pipe:
            for chunk in iter(lambda: pipe.read1(65536), b""):
                room = cap - len(self.kept)
                self.kept += chunk[:max(room, 0)]
                self.dropped += max(len(chunk) - max(room, 0), 0)

    def text(self) -> str:
        # The process is gone; a background child still holding the pipe is not waited for long.
        self._thread.join(timeout=2.0)
        return self.kept.decode("utf-8", "replace").rstrip()

    def note(self) -> str:
        return f"\n[… and {self.dropped:,} more bytes of output, not kept]" if self.dropped else ""


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _report(out: _Drain, err: _Drain, code: int | None, ctx: ToolContext) -> str:
    half = ctx.limits.max_output_chars // 2
    parts = [f"exit code {code}"] if code is not None else []
    for name, drain in (("stdout", out), ("stderr", err)):
        text = drain.text()
        if text:
            parts.append(f"{name}:\n" + cut(text, half, what=name) + drain.note())
    return "\n".join(parts)


TOOLS = (Bash,)
