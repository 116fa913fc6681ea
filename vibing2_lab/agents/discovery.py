"""Where agent files are found: the four sources in priority order, walked for `*.md` files
(README/CHANGELOG/LICENSE-style files and hidden folders are not agents), each file with the stat
the registry's cache is keyed by. This runs for every stream the server opens (to see whether an
agent file changed), so it works on plain strings and stat results."""

from __future__ import annotations

import os
import stat as stat_kind
from pathlib import Path
from typing import Iterator, NamedTuple

NOT_AGENTS = frozenset({"readme", "changelog", "contributing", "license", "code_of_conduct", "security"})
SKIP_DIRS = frozenset({"node_modules", "__pycache__"})


class AgentFile(NamedTuple):
    source: str
    path: Path
    mtime_ns: int
    size: int


def sources(project_dir: Path | None = None) -> list[tuple[str, Path]]:
    """(source, folder) pairs in priority order."""
    from .. import paths

    found: list[tuple[str, Path]] = []
    if project_dir is not None:
        found.append(("project", Path(os.path.abspath(project_dir)) / ".vibe" / "agents"))
    for entry in os.environ.get(paths.AGENTS_PATH_ENV, "").split(os.pathsep):
        if entry.strip():
            found.append(("env", Path(os.path.abspath(Path(entry.strip()).expanduser()))))
    found.append(("home", paths.home() / "agents"))
    found.append(("bundled", paths.bundled_agents_dir()))
    return found


def _is_agent_file(name: str) -> bool:
    return name.lower().endswith(".md") and name.split(".", 1)[0].lower() not in NOT_AGENTS


def _walk(root: str, seen_dirs: set[tuple[int, int]]) -> Iterator[tuple[str, os.stat_result]]:
    """Agent files under root, sorted, following folder symlinks once (plain strings: this runs
    for every stream the server opens, to see whether an agent file changed)."""
    try:
        st = os.stat(root)
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    if (st.st_dev, st.st_ino) in seen_dirs:
        return
    seen_dirs.add((st.st_dev, st.st_ino))
    for entry in entries:
        try:
            if entry.is_dir():
                if not entry.name.startswith(".") and entry.name not in SKIP_DIRS:
                    yield from _walk(entry.path, seen_dirs)
            elif _is_agent_file(entry.name) and entry.is_file():
                yield entry.path, entry.stat()
        except OSError:
            continue


# (source, path, mtime_ns, size) of every candidate file, in priority order: what discover() finds
RawFiles = list[tuple[str, str, int, int]]


def _discover_raw(roots: list[tuple[str, Path]]) -> tuple[RawFiles, list[str]]:
    files: RawFiles = []
    warnings: list[str] = []
    seen_files: set[tuple[int, int]] = set()
    for source, root in roots:
        where = str(root)
        try:
            st = os.stat(where)
        except OSError:
            if source == "env":
                warnings.append(f"$VIBING2_LAB_AGENTS_PATH entry {root} does not exist")
            continue
        if stat_kind.S_ISREG(st.st_mode):
            found: Iterator[tuple[str, os.stat_result]] = iter([(where, st)])
        elif stat_kind.S_ISDIR(st.st_mode):
            found = _walk(where, set())
        else:
            continue
        for path, fst in found:
            if (fst.st_dev, fst.st_ino) not in seen_files:
                seen_files.add((fst.st_dev, fst.st_ino))
                files.append((source, path, fst.st_mtime_ns, fst.st_size))
    return files, warnings


def discover(project_dir: Path | None = None) -> tuple[list[AgentFile], list[str]]:
    """Every candidate file in priority order (a file reachable twice counted once), plus warnings."""
    raw, warnings = _discover_raw(sources(project_dir))
    return _agent_files(raw), warnings


def _agent_files(raw: RawFiles) -> list[AgentFile]:
    return [AgentFile(source, Path(path), mtime, size) for source, path, mtime, size in raw]


def discover_folder(root: Path, *, source: str = "env") -> list[AgentFile]:
    """The agent files under one folder, as if it were the only source."""
    return [AgentFile(source, Path(path), st.st_mtime_ns, st.st_size) for path, st in _walk(str(root), set())]
