"""Writing tools, Claude Code's names and inputs: Write, Edit (ask by default).

Their consent description is the unified diff of the change. A written file is reported
to `ctx.on_file_written`, so the project's generated files follow the working directory.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from ..errors import ToolError
from .base import Tool, ToolContext, cut
from .paths import inside, read_text, relative

_STR = {"type": "string"}


def _diff(ctx: ToolContext, path: Path, old: str | None, new: str) -> str:
    name = relative(ctx, path)
    lines = difflib.unified_diff((old or "").splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile="/dev/null" if old is None else f"a/{name}", tofile=f"b/{name}")
    return cut("".join(lines) or f"(no change to {name})", ctx.limits.max_output_chars, what="diff")


def _save(ctx: ToolContext, path: Path, text: str) -> None:
    if len(text.encode()) > ctx.limits.max_read_bytes:
        raise ToolError(f"The content is over the {ctx.limits.max_read_bytes:,}-byte limit.",
                        hint="Write the file in smaller parts (Write, then Edit).")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if ctx.on_file_written is not None:
        ctx.on_file_written(relative(ctx, path), text)


def _current(ctx: ToolContext, path: Path, shown: str) -> str | None:
    return read_text(path, ctx, shown=shown) if path.exists() else None


class Write(Tool):
    name = "Write"
    description = "Create or overwrite a text file under the working directory."
    input_schema = {"type": "object", "properties": {"file_path": _STR, "content": _STR},
                    "required": ["file_path", "content"]}
    default_policy = "ask"

    def describe(self, input: dict[str, Any], ctx: ToolContext) -> str:
        path = inside(ctx, input["file_path"])
        return _diff(ctx, path, _current(ctx, path, input["file_path"]), input["content"])

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        path = inside(ctx, input["file_path"])
        existed = path.exists()
        if path.is_dir():
            raise ToolError(f"{input['file_path']} is a directory.", hint="Give a file path.")
        _save(ctx, path, input["content"])
        verb = "Overwrote" if existed else "Created"
        return f"{verb} {relative(ctx, path)} ({len(input['content'].splitlines())} lines)."


class Edit(Tool):
    name = "Edit"
    description = ("Replace `old_string` with `new_string` in a file under the working directory; "
                   "`old_string` must occur exactly once unless `replace_all` is true.")
    input_schema = {"type": "object", "properties": {"file_path": _STR, "old_string": _STR, "new_string": _STR,
                                                     "replace_all": {"type": "boolean"}},
                    "required": ["file_path", "old_string", "new_string"]}
    default_policy = "ask"

    def _edited(self, input: dict[str, Any], ctx: ToolContext) -> tuple[Path, str, str]:
        path = inside(ctx, input["file_path"])
        old = _current(ctx, path, input["file_path"])
        if old is None:
            raise ToolError(f"{input['file_path']} does not exist.", hint="Create it with Write.")
        count = old.count(input["old_string"]) if input["old_string"] else 0
        if count == 0:
            raise ToolError(f"old_string was not found in {input['file_path']}.",
                            hint="Read the file and copy the exact text, whitespace included.")
        if count > 1 and not input.get("replace_all"):
            raise ToolError(f"old_string occurs {count} times in {input['file_path']}.",
                            hint="Give more surrounding text so it is unique, or set replace_all.")
        return path, old, old.replace(input["old_string"], input["new_string"])

    def describe(self, input: dict[str, Any], ctx: ToolContext) -> str:
        path, old, new = self._edited(input, ctx)
        return _diff(ctx, path, old, new)

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        path, old, new = self._edited(input, ctx)
        _save(ctx, path, new)
        return f"Edited {relative(ctx, path)}:\n{_diff(ctx, path, old, new)}"


TOOLS = (Write, Edit)
