"""The search index on disk, so a fresh process ranks without reading every system prompt again.

Building the index tokenizes and stems every agent's text (the bodies dominate: ~0.5 s for 300
real Claude Code agents); loading it back is one `marshal.loads`. The cache is keyed by every
indexed agent's (name, path, source, sha256 of its file) and by the ranking's own parameters, so
any change to a file or to the ranking code's constants rebuilds it. A cache that cannot be
read or written (read-only home, a truncated file) is ignored: it only ever saves time.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .parse import Agent

FORMAT = 1
MAX_BYTES = 256 * 1024 * 1024  # a cache file larger than this is not ours

Raw = dict[str, tuple[bytes, bytes]]  # term -> (agent indexes as int32, points as float64)


def _path() -> Path:
    from .. import paths

    return paths.home() / "cache" / "agent-index.marshal"


def key(agents: list[Agent], parameters: object) -> str:
    """What the index depends on: every agent's file and the ranking's parameters."""
    from .text import MAX_WORD, STOPWORDS

    data = [FORMAT, repr(parameters), MAX_WORD, sorted(STOPWORDS),
            [(a.name, str(a.path), a.source, a.sha256) for a in agents]]
    return hashlib.sha256(json.dumps(data, default=str).encode("utf-8")).hexdigest()


def load(digest: str) -> list[Raw] | None:
    """The cached groups for `digest`, or None (missing, stale, unreadable or malformed)."""
    try:
        path = _path()
        if path.stat().st_size > MAX_BYTES:
            return None
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not (isinstance(data, tuple) and len(data) == 3 and data[0] == FORMAT and data[1] == digest):
        return None
    groups = data[2]
    if not (isinstance(groups, list) and all(isinstance(g, dict) for g in groups)):
        return None
    for group in groups:  # the shapes; indexes are range-checked when a term is decoded (search.Postings)
        for ids, points in group.values():
            if not (type(ids) is bytes and type(points) is bytes and len(ids) * 2 == len(points)):
                return None
    return groups


def save(digest: str, groups: list[Raw]) -> None:
    """Write the groups for `digest` (atomically; failures are ignored)."""
    try:
        path = _path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps((FORMAT, digest, groups)))
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass
