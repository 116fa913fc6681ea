"""The registry: every installed agent, from four sources in priority order.

    project   <project_dir>/.vibe/agents/
    env       each folder (or file) in $VIBING2_LAB_AGENTS_PATH, os.pathsep-separated
    home      <VIBING2_LAB_HOME>/agents/
    bundled   the agents shipped with the package

Folders are searched recursively for `*.md`; README/CHANGELOG/LICENSE-style files and
hidden folders are not agents. When a name is defined twice the higher-priority file
wins and lists the others in `shadows`. Parsed files are cached per process by
(path, mtime, size), so reloading re-reads only what changed.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..errors import AgentError, UnknownAgentError
from .discovery import AgentFile, RawFiles, _agent_files, _discover_raw, discover, sources
from .parse import MAX_NAME, Agent, SkipFile, parse_agent

if TYPE_CHECKING:
    from .search import SearchIndex
    from .select import Pick

# str(path) -> (mtime_ns, size, source, Agent or the reason it was skipped)
_PARSED: dict[str, tuple[int, int, str, Agent | str]] = {}
_PARSED_LOCK = threading.Lock()


def _parse_cached(file: AgentFile) -> Agent | str:
    key = str(file.path)
    cached = _PARSED.get(key)
    if cached is not None and cached[:3] == (file.mtime_ns, file.size, file.source):
        return cached[3]
    try:
        result: Agent | str = parse_agent(file.path, file.path.read_bytes(), source=file.source)
    except SkipFile as exc:
        result = str(exc)
    except OSError as exc:
        result = f"cannot read it ({exc.strerror or exc})"
    with _PARSED_LOCK:
        _PARSED[key] = (file.mtime_ns, file.size, file.source, result)
    return result


def clear_cache() -> None:
    """Forget every parsed file (the next load is cold)."""
    with _PARSED_LOCK:
        _PARSED.clear()
    with _DEFAULT_LOCK:
        _DEFAULT.clear()


def build(files: list[AgentFile], warnings: list[str]) -> "AgentRegistry":
    """Parse (or reuse) each file and resolve name clashes by priority."""
    winners: dict[str, Agent] = {}
    shadows: dict[str, list[Path]] = {}
    warnings = list(warnings)
    for file in files:
        result = _parse_cached(file)
        if isinstance(result, str):
            warnings.append(f"skipped {file.path}: {result}")
            continue
        warnings.extend(f"{file.path}: {note}" for note in result.notes)
        if result.name in winners:
            shadows.setdefault(result.name, []).append(file.path)
        else:
            winners[result.name] = result
    if warnings:
        from ..log_text import logger

        log = logger(__name__)
        for message in warnings:
            log.warning("%s", message)
    # Cached Agent objects are shared between loads; give shadowed winners their own copy.
    agents = [replace(a, shadows=list(shadows[a.name])) if a.name in shadows else a for a in winners.values()]
    return AgentRegistry(agents, warnings=warnings)


class AgentRegistry:
    """The installed agents by name, with search and auto-selection."""

    def __init__(self, agents: list[Agent] | tuple[Agent, ...] = (), *, warnings: list[str] | None = None) -> None:
        self._agents: dict[str, Agent] = {}
        for agent in agents:
            self._agents.setdefault(agent.name, agent)
        self._folded = {name.lower(): agent for name, agent in reversed(self._agents.items())}
        self.warnings: list[str] = list(warnings or [])
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, *, project_dir: Path | None = None) -> "AgentRegistry":
        """Load every source now (parsed files are reused while unchanged)."""
        files, warnings = discover(project_dir)
        return build(files, warnings)

    def get(self, name: str) -> Agent:
        """The agent called `name`; UnknownAgentError suggests the closest names."""
        agent = self._agents.get(name) or self._folded.get(name.strip().lower())
        if agent is not None:
            return agent
        if len(name) > MAX_NAME:  # no agent has such a name: say so without echoing or fuzzy-matching it all
            raise UnknownAgentError(f"No agent named {name[:40]!r}... ({len(name):,} characters): agent names "
                                    f"are at most {MAX_NAME}.",
                                    hint="`vibing2-lab agents list` shows the installed agents.")
        if not self._agents:
            raise UnknownAgentError(f"No agent named {name!r}: no agents are installed.",
                                    hint="Put agent .md files in <VIBING2_LAB_HOME>/agents/ or $VIBING2_LAB_AGENTS_PATH.")
        close = self.closest(name)
        did_you_mean = f"Did you mean {', '.join(close)}? " if close else ""
        raise UnknownAgentError(f"No agent named {name!r}.",
                                hint=f"{did_you_mean}`vibing2-lab agents list` shows the installed agents.")

    def closest(self, name: str, *, n: int = 3) -> list[str]:
        """Installed names nearest to `name`: close spelling, a part of it, or every word (typos allowed)."""
        from difflib import SequenceMatcher

        wanted = name.strip().lower()
        scores = {other: SequenceMatcher(None, wanted, other).ratio() for other in self._agents}
        for other in scores:
            if wanted and (wanted in other or other in wanted):
                scores[other] = max(scores[other], 0.8)
        index = self.index()
        query = index.query_terms(wanted)
        for hit in index.score(query):
            # points first: the fields of a match are looked up only for agents that matched every word
            if len(hit.points) == len(query) and all("name" in where for _, where in hit.matched.values()):
                scores[hit.agent.name] = max(scores[hit.agent.name], 0.8)
        best = max(scores.values(), default=0.0)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [other for other, r in ranked if r >= 0.6 or (r >= 0.45 and r >= best - 0.05)][:n]

    def all(self) -> list[Agent]:
        """Every agent, sorted by name."""
        return sorted(self._agents.values(), key=lambda a: a.name)

    def __len__(self) -> int:
        return len(self._agents)

    def __contains__(self, name: object) -> bool:
        return name in self._agents

    def __iter__(self) -> Iterator[Agent]:
        return iter(self.all())

    def index(self) -> "SearchIndex":
        """The search index, built on first use."""
        with self._lock:
            if self._index is None:
                from .search import SearchIndex

                self._index = SearchIndex(self.all(), cached=True)
            return self._index

    def search(self, query: str, *, limit: int = 10, max_bytes: int | None = None) -> list[tuple[Agent, float]]:
        """Agents ranked by relevance to `query` (BM25F, typo-tolerant on names)."""
        from .text import MAX_INPUT_BYTES, check_size

        check_size(query, "search query", max_bytes or MAX_INPUT_BYTES)
        return [(hit.agent, hit.score) for hit in self.index().search(query, limit=limit)]

    def rank(self, prompt: str, *, context: str = "", limit: int = 5) -> list[Agent]:
        """The `limit` agents auto-selection ranks highest for `prompt`, best first."""
        from .select import rank

        return [hit.agent for hit in rank(self, prompt, context=context)[:limit]]

    def pick(self, prompt: str, *, context: str = "", default: str | None = None,
             threshold: float | None = None, max_bytes: int | None = None) -> "Pick":
        """The agent best suited to `prompt` (plus optional context), with score and reasons."""
        from .select import pick
        from .text import MAX_INPUT_BYTES, check_size

        check_size(prompt, "prompt", max_bytes or MAX_INPUT_BYTES)
        check_size(context, "context", max_bytes or MAX_INPUT_BYTES)

        if not self._agents:
            raise AgentError("No agents are installed, so none can be picked.",
                             hint="Reinstall vibing2-lab or add agent files to <VIBING2_LAB_HOME>/agents/.")
        return pick(self, prompt, context=context, default=default, threshold=threshold)


# (project_dir, agents path, home, bundled dir) -> (files seen, registry)
_DEFAULT: dict[tuple[str, ...], tuple[RawFiles, AgentRegistry]] = {}
_DEFAULT_LOCK = threading.Lock()


def default_registry(*, project_dir: Path | None = None) -> AgentRegistry:
    """The process-wide registry; rescans the folders and reloads only when a file changed."""
    roots = sources(project_dir)
    raw, warnings = _discover_raw(roots)
    key = tuple(str(root) for _, root in roots) + (str(project_dir),)
    with _DEFAULT_LOCK:
        cached = _DEFAULT.get(key)
        if cached is not None and cached[0] == raw:
            return cached[1]
        registry = build(_agent_files(raw), warnings)
        _DEFAULT[key] = (raw, registry)
        return registry
