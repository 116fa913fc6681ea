"""Writing a project's files to a folder, safely and all at once.

Every path is checked before anything is written: no absolute paths, no drive letters,
no `..`, nothing that resolves outside the target (symlinks already in the target are
followed and judged by where they lead). Files are first written to a staging folder
beside the target, then moved into place; if anything fails, files already moved are
put back as they were, so no partial export is left behind.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import ExportError

MAX_PATH_LENGTH = 1024
MAX_NAME_BYTES = 255  # one path component: the limit of ext4, APFS, NTFS and most other disks
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HINT = "Use a relative path inside the project, like 'index.html' or 'src/app.js'."


def safe_relative_path(path: str) -> str:
    """`path` as a clean relative POSIX path, or ExportError saying why it is unsafe."""
    if not isinstance(path, str) or not path.strip():
        raise ExportError(f"A file path must be non-empty text, got {path!r}.", hint=_HINT)
    if len(path) > MAX_PATH_LENGTH or _CONTROL.search(path):
        raise ExportError(f"The file path {path[:80]!r} is too long or contains control characters.", hint=_HINT)
    posix = path.replace("\\", "/")  # a Windows separator must not smuggle in `..\`
    if _DRIVE.match(posix):
        raise ExportError(f"The file path {path!r} names a drive.", hint=_HINT)
    if posix.startswith("/"):
        raise ExportError(f"The file path {path!r} is absolute.", hint=_HINT)
    parts = [p for p in posix.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ExportError(f"The file path {path!r} climbs out of its folder with '..'.", hint=_HINT)
    if not parts:
        raise ExportError(f"The file path {path!r} names no file.", hint=_HINT)
    long = next((p for p in parts if len(p.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES), None)
    if long is not None:
        raise ExportError(f"The name {long[:40]!r}... in the file path is longer than {MAX_NAME_BYTES} bytes, "
                          "more than a disk accepts.", hint="Use a shorter file name.")
    return "/".join(parts)


def check_paths(paths: Iterable[str]) -> list[str]:
    """The clean form of every path, or ExportError for the first that cannot be written beside
    the others. The store applies it to a project's files when they are written, and export to
    what it writes: so whatever the store holds, export can write."""
    clean: list[str] = []
    folded: dict[str, str] = {}
    for raw in paths:
        rel = safe_relative_path(raw)
        # Case-insensitive disks (macOS, Windows) would silently merge these two.
        other = folded.setdefault(rel.casefold(), rel)
        if other != rel:
            raise ExportError(f"The files {other!r} and {rel!r} differ only in case.", hint="Rename one of them.")
        clean.append(rel)
    for rel in clean:  # 'a' as a file and 'a/b' as a path cannot both exist
        parts = rel.split("/")
        for i in range(1, len(parts)):
            prefix = folded.get("/".join(parts[:i]).casefold())
            if prefix is not None:
                raise ExportError(f"{prefix!r} is a file, so {rel!r} cannot be written below it.",
                                  hint="Rename one of the two paths, or delete the file first.")
    return clean


def export_files(files: Mapping[str, str], target: Path) -> list[Path]:
    """Write `files` ({relative path: text}) under `target`, all or nothing; return the paths written."""
    target = Path(target).expanduser().absolute()
    try:
        plan = _plan(files, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Not mkdtemp: its 0700 mode would become the exported folder's mode after the rename.
        staging: Path | None = target.parent / f".vibing2-export-{secrets.token_hex(8)}"
        staging.mkdir()
        try:
            for rel, content in plan.items():
                dest = staging.joinpath(*rel.split("/"))
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(content, encoding="utf-8", newline="")
            if target.exists():
                _merge_into(staging, target, list(plan))
            else:
                os.rename(staging, target)  # one rename: the folder appears complete or not at all
                staging = None
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
    except (OSError, UnicodeEncodeError) as exc:
        raise ExportError(f"Exporting to {target} failed: {exc}. Nothing was changed.",
                          hint="Check that the folder is writable and the disk has space.") from exc
    return [target.joinpath(*rel.split("/")) for rel in plan]


def _plan(files: Mapping[str, str], target: Path) -> dict[str, str]:
    """Validate every path against the rules and the target as it is now; nothing is written."""
    if target.exists() and not target.is_dir():
        raise ExportError(f"The export target {target} exists and is not a folder.",
                          hint="Choose a folder (new or existing) to export into.")
    root = target.resolve()
    plan: dict[str, str] = {}
    for rel, (raw, content) in zip(check_paths(files), files.items()):
        if not isinstance(content, str):
            raise ExportError(f"The content of {rel!r} is not text.", hint="Store file contents as strings.")
        dest = target.joinpath(*rel.split("/"))
        if not _inside(dest.resolve(), root):
            raise ExportError(f"The file path {raw!r} leads outside {target} (through a symbolic link).",
                              hint="Remove the link from the export folder, or export to a new folder.")
        if dest.is_dir() and not dest.is_symlink():
            raise ExportError(f"{dest} is a folder; the file {rel!r} cannot replace it.",
                              hint="Export to a new folder, or remove that folder first.")
        plan[rel] = content
    _refuse_file_dir_clashes(plan, target)
    return plan


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _refuse_file_dir_clashes(plan: Mapping[str, str], target: Path) -> None:
    """'a' as a file on disk and 'a/b' in the plan cannot both exist (check_paths did the plan)."""
    for rel in plan:
        parts = rel.split("/")
        for i in range(1, len(parts)):
            prefix = "/".join(parts[:i])
            on_disk = target.joinpath(*parts[:i])
            if on_disk.exists() and not on_disk.is_dir():
                raise ExportError(f"{prefix!r} is a file, so {rel!r} cannot be written below it.",
                                  hint="Rename one of the two paths.")


def _merge_into(staging: Path, target: Path, rels: list[str]) -> None:
    """Move staged files into an existing target; on failure restore what was there."""
    backup = staging / ".vibing2-backup"
    moved: list[tuple[Path, Path | None]] = []  # (destination, backup of what it replaced)
    made_dirs: list[Path] = []
    try:
        for i, rel in enumerate(rels):
            dest = target.joinpath(*rel.split("/"))
            made_dirs.extend(_make_parents(dest.parent, target))
            saved = None
            if dest.exists() or dest.is_symlink():
                saved = backup / str(i)
                saved.parent.mkdir(parents=True, exist_ok=True)
                os.replace(dest, saved)
            moved.append((dest, saved))
            os.replace(staging.joinpath(*rel.split("/")), dest)
    except BaseException:
        for dest, saved in reversed(moved):
            if saved is not None:
                os.replace(saved, dest)
            elif dest.exists():
                dest.unlink()
        for folder in reversed(made_dirs):
            shutil.rmtree(folder, ignore_errors=True)
        raise


def _make_parents(folder: Path, target: Path) -> list[Path]:
    """Create `folder` and missing parents below `target`; return those created, outermost first."""
    missing = []
    while folder != target and not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))
