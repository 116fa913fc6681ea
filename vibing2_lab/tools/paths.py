"""Confinement of file tools to the working directory.

A relative path resolves in `ctx.cwd`; an absolute path is accepted only when it lies
inside it. Resolution follows symlinks, so `..` and a symlink pointing out both land
outside and are refused with an OutsideWorkdirError that says so.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import OutsideWorkdirError, ToolError
from .base import ToolContext


def inside(ctx: ToolContext, file_path: str, *, what: str = "path") -> Path:
    """`file_path` resolved under ctx.cwd, or OutsideWorkdirError."""
    if not isinstance(file_path, str) or not file_path.strip() or "\x00" in file_path:
        raise ToolError(f"The {what} {file_path!r} is not a file path.", hint="Give a path relative to the working directory.")
    raw = Path(file_path).expanduser()
    target = (raw if raw.is_absolute() else ctx.cwd / raw).resolve()
    if target != ctx.cwd and ctx.cwd not in target.parents:
        why = "a symlink that leads" if _through_symlink(ctx, raw) else "a path"
        raise OutsideWorkdirError(
            f"Refused: {file_path} is {why} outside the working directory {ctx.cwd}.",
            hint="Tools only read and write files under the working directory (the notebook's folder, "
                 "or the directory the command runs in); use a path inside it.")
    if not ctx.allow_hidden and is_hidden(ctx, target):
        raise OutsideWorkdirError(f"Refused: {file_path} is a hidden file or folder, and this server hides them.",
                                  hint="Use a path without dot-names (the Jupyter server's allow_hidden is off).")
    return target


def is_hidden(ctx: ToolContext, path: Path) -> bool:
    """True when a part of `path` below the working directory is a dot-name (as Jupyter's is_hidden)."""
    return any(part.startswith(".") for part in path.relative_to(ctx.cwd).parts) if path != ctx.cwd else False


def _through_symlink(ctx: ToolContext, raw: Path) -> bool:
    path = raw if raw.is_absolute() else ctx.cwd / raw
    return any(p.is_symlink() for p in [path, *path.parents] if ".." not in p.parts)


def relative(ctx: ToolContext, path: Path) -> str:
    """`path` relative to the working directory, for results and the project's files."""
    return path.relative_to(ctx.cwd).as_posix() if path != ctx.cwd else "."


def read_text(path: Path, ctx: ToolContext, *, shown: str) -> str:
    """A text file's content within the size limit; ToolError for a directory, binary or huge file."""
    if not path.exists():
        raise ToolError(f"{shown} does not exist.", hint="Check the path (Glob lists the files).")
    if path.is_dir():
        raise ToolError(f"{shown} is a directory.", hint="Use Glob to list its files.")
    size = path.stat().st_size
    if size > ctx.limits.max_read_bytes:
        raise ToolError(f"{shown} is {size:,} bytes, over the {ctx.limits.max_read_bytes:,}-byte limit.",
                        hint="Grep it for what you need instead.")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise ToolError(f"{shown} is a binary file.", hint="Only text files can be read.")
    return data.decode("utf-8", "replace")
