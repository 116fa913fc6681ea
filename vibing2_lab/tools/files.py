"""Reading tools, Claude Code's names and inputs: Read, Glob, Grep (allowed by default)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterator

from ..errors import ToolError
from .base import Tool, ToolContext, cut
from .paths import inside, read_text, relative

_STR = {"type": "string"}
_INT = {"type": "integer", "minimum": 0}


class Read(Tool):
    name = "Read"
    description = ("Read a text file under the working directory. Lines are numbered from 1; "
                   "`offset` is the first line to read, `limit` how many.")
    input_schema = {"type": "object", "properties": {"file_path": _STR, "offset": _INT, "limit": _INT},
                    "required": ["file_path"]}
    default_policy = "allow"

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        path = inside(ctx, input["file_path"])
        lines = read_text(path, ctx, shown=input["file_path"]).splitlines()
        first = max(int(input.get("offset") or 1), 1)
        limit = int(input.get("limit") or ctx.limits.read_lines)
        chosen = lines[first - 1:first - 1 + limit]
        width = ctx.limits.max_line_chars
        out = [f"{n:>6}\t{line if len(line) <= width else line[:width] + ' [… line cut]'}"
               for n, line in enumerate(chosen, start=first)]
        rest = len(lines) - (first - 1 + len(chosen))
        if rest > 0:
            out.append(f"[… {rest:,} more lines not shown; read on with offset={first + len(chosen)}]")
        if not lines:
            out.append("(the file is empty)")
        return "\n".join(out)


MAX_SCANNED = 50_000  # directory entries one Glob/Grep may look at: a huge tree cannot stall a call


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob with `**` (any depth, zero included) as a regex over '/'-separated relative paths."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2:]:
            close = pattern.index("]", i + 2)
            body = pattern[i + 1:close]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = close + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _walk(ctx: ToolContext, base: Path, pattern: str, notes: list[str]) -> Iterator[Path]:
    """Files under `base` matching `pattern`, in name order per directory. Symlinked directories
    are not entered and a file symlinked out of the working directory is skipped; the walk stops
    after MAX_SCANNED entries (with a note) or when the call is cancelled."""
    if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
        raise ToolError(f"The pattern {pattern!r} leaves the working directory.",
                        hint="Use a relative pattern such as **/*.py.")
    regex = glob_regex(pattern)
    scanned = 0
    for root, dirs, files in os.walk(base):
        if not ctx.allow_hidden:  # as the Jupyter server's contents manager: dot-names are not listed
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            files = [f for f in files if not f.startswith(".")]
        dirs.sort()
        for name in sorted(files):
            scanned += 1
            if scanned > MAX_SCANNED or ctx.cancelled:
                notes.append(f"[… stopped after looking at {MAX_SCANNED:,} files: narrow the path or pattern]")
                return
            path = Path(root, name)
            if regex.match(path.relative_to(base).as_posix()) and _stays_inside(ctx, path):
                yield path


def _stays_inside(ctx: ToolContext, path: Path) -> bool:
    try:
        return ctx.cwd in path.resolve().parents
    except OSError:
        return False


class Glob(Tool):
    name = "Glob"
    description = "List files under the working directory matching a glob pattern such as **/*.csv."
    input_schema = {"type": "object", "properties": {"pattern": _STR, "path": _STR}, "required": ["pattern"]}
    default_policy = "allow"

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        base = inside(ctx, input.get("path") or ".")
        found: list[str] = []
        notes: list[str] = []
        for path in _walk(ctx, base, input["pattern"], notes):
            if len(found) == ctx.limits.max_matches:
                notes.append(f"[… more files not shown: only the first {ctx.limits.max_matches} are listed]")
                break
            found.append(relative(ctx, path.absolute()))
        return "\n".join(found + notes) or f"No files match {input['pattern']!r}."


class Grep(Tool):
    name = "Grep"
    description = ("Search text files under the working directory for a regular expression; "
                   "`glob` narrows the files (e.g. *.py). Output: path:line:text.")
    input_schema = {"type": "object", "properties": {
        "pattern": _STR, "path": _STR, "glob": _STR, "-i": {"type": "boolean"},
        "output_mode": {"enum": ["content", "files_with_matches", "count"]}}, "required": ["pattern"]}
    default_policy = "allow"

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        try:
            regex = re.compile(input["pattern"], re.IGNORECASE if input.get("-i") else 0)
        except re.error as exc:
            raise ToolError(f"The pattern {input['pattern']!r} is not a regular expression: {exc}.",
                            hint="Escape special characters, e.g. \\( for a parenthesis.") from None
        base = inside(ctx, input.get("path") or ".")
        notes: list[str] = []
        files = [base] if base.is_file() else _walk(ctx, base, "**/" + (input.get("glob") or "*"), notes)
        mode = input.get("output_mode") or "content"
        out: list[str] = []
        for path in files:
            if ctx.cancelled:
                break
            hits = _hits(regex, path, ctx)
            if not hits:
                continue
            shown = relative(ctx, path.absolute())
            out.extend([shown] if mode == "files_with_matches" else [f"{shown}:{len(hits)}"] if mode == "count"
                       else [f"{shown}:{n}:{line}" for n, line in hits])
            if len(out) >= ctx.limits.max_matches:
                out = out[: ctx.limits.max_matches] + [f"[… more matches not shown: the first "
                                                         f"{ctx.limits.max_matches} are listed]"]
                break
        return "\n".join(out + notes) or f"No matches for {input['pattern']!r}."


def _hits(regex: re.Pattern[str], path: Path, ctx: ToolContext) -> list[tuple[int, str]]:
    try:
        text = read_text(path, ctx, shown=str(path))
    except (ToolError, OSError):  # binary, huge, unreadable: not searched
        return []
    return [(n, cut(line, ctx.limits.max_line_chars, what="line"))
            for n, line in enumerate(text.splitlines(), 1) if regex.search(line)]


TOOLS = (Read, Glob, Grep)
