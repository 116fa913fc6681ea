"""Replay: answer from the records saved in notebooks, offline, byte for byte.

Where records come from, first match wins:
    $VIBING2_LAB_REPLAY_NOTEBOOK   notebook paths (os.pathsep-separated), e.g. set by `vibing2-lab replay`
    $JPY_SESSION_NAME              the notebook a Jupyter server started this kernel for
    *.ipynb in the working directory (nbval and nbclient run kernels there)

A request is matched by its hash (record.request_hash) and, when the cell id is known, by
cell first. Strict replay fails with ReplayError when nothing matches, or when the record
was made with a different version of the agent file (both hashes named). Fallback replay
warns and makes the live call instead.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator

from ..errors import ExportError, ReplayError, VibeError
from ..events import ErrorEvent, StreamEvent, TokenEvent, ToolUseEvent
from ..log_text import logger
from .loading import load_notebook
from .record import RecordedCall, calls_in_notebook, final_event

if TYPE_CHECKING:
    from ..agents import Agent
    from ..config import Settings
    from ..providers import Cancel, ModelRequest, Provider

log = logger("vibing2_lab.notebook.replay")

NOTEBOOK_ENV = "VIBING2_LAB_REPLAY_NOTEBOOK"
_TOKEN = re.compile(r"\s*\S+|\s+")


def replay_tokens(text: str) -> list[str]:
    """The recorded text in word-sized pieces (their concatenation is the text)."""
    return _TOKEN.findall(text)


def notebook_candidates(cwd: Path | None = None) -> list[Path]:
    """The notebooks whose records a replay may use (see the module docstring)."""
    cwd = cwd or Path.cwd()
    explicit = [Path(p) for p in os.environ.get(NOTEBOOK_ENV, "").split(os.pathsep) if p]
    if explicit:
        return [p for p in explicit if p.is_file()]
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb"):
        for path in (Path(session), cwd / Path(session).name):
            if path.is_file():
                return [path]
    return sorted(cwd.glob("*.ipynb"))


@dataclass
class ReplayIndex:
    """Recorded calls by request hash and by cell id."""

    calls: list[RecordedCall] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why records were left out (invalid)

    @classmethod
    def discover(cls, cwd: Path | None = None) -> ReplayIndex:
        return cls.from_notebooks(notebook_candidates(cwd))

    @classmethod
    def from_notebooks(cls, paths: list[Path]) -> ReplayIndex:
        index = cls(sources=[str(p) for p in paths])
        for path in paths:
            try:
                nb = load_notebook(path)
            except VibeError as exc:
                log.warning("replay: %s", exc.message)
                continue
            index.calls.extend(calls_in_notebook(nb, source=str(path), on_invalid=index._refuse))
        return index

    def _refuse(self, error: ExportError) -> None:
        """A record that fails validation is not replayed; a ReplayError later says why."""
        log.warning("replay: %s", error.message)
        self.refused.append(error.message)

    def find(self, digest: str, *, cell_id: str | None, before_tools: str | None = None) -> RecordedCall | None:
        """The recorded call for this request hash, preferring the same cell. `before_tools` is the
        request's hash without its tools: a record made before agent mode (no `tools` in its
        request) answers it, so notebooks recorded by earlier versions still replay."""
        same = [c for c in self.calls if c.hash == digest]
        if not same and before_tools:
            same = [c for c in self.calls if c.hash == before_tools and "tools" not in c.request]
        in_cell = [c for c in same if cell_id and c.cell_id == cell_id]
        return (in_cell or same or [None])[0]

    def near_misses(self, *, cell_id: str | None, agent: str | None, prompt: str) -> list[RecordedCall]:
        """Records that look like this request (same cell or same prompt) for the same agent."""
        return [c for c in self.calls
                if c.agent_name == agent and ((cell_id and c.cell_id == cell_id) or c.request.get("prompt") == prompt)]


def _final_from_record(call: RecordedCall, request: ModelRequest) -> StreamEvent:
    return final_event({"request": call.request, "response": call.response}, agent=request.metadata.get("agent"))


def _new_cancel() -> Cancel:
    from ..providers import Cancel

    return Cancel()


class ReplayProvider:
    """A provider that streams recorded answers; `fallback` (a live provider) when allowed."""

    name = "replay"

    def __init__(self, index: ReplayIndex, *, settings: Settings, fallback: Provider | None = None,
                 cell_id: str | None = None, agent: Agent | None = None) -> None:
        self.index = index
        self._steps: list[dict[str, Any]] | None = None  # a replayed record's tool steps
        self.settings = settings
        self.fallback = fallback
        self.cell_id = cell_id
        self.agent = agent

    def lookup(self, request: ModelRequest) -> RecordedCall:
        """The matching record, or ReplayError saying why there is none."""
        digest = request.metadata.get("hash", "")
        found = self._find(request)
        if found is not None:
            return found
        name = self.agent.name if self.agent else None
        prompt = request.messages[-1]["content"] if request.messages else ""
        for near in self.index.near_misses(cell_id=self.cell_id, agent=name, prompt=prompt):
            if self.agent is not None and near.agent_sha256 != self.agent.sha256:
                raise ReplayError(
                    f"Agent {name!r} changed since the record was made: recorded sha256 {near.agent_sha256}, "
                    f"installed sha256 {self.agent.sha256} ({self.agent.path}).",
                    hint="Restore the agent file the notebook was recorded with, or re-run live "
                         "(unset VIBING2_LAB_MODE) or with --replay=fallback.")
        where = ", ".join(self.index.sources) or "no notebook found"
        refused = f" ({len(self.index.refused)} record(s) refused: {self.index.refused[0]})" if self.index.refused else ""
        raise ReplayError(
            f"No recorded answer for this request (agent {name or 'none'}, request hash {digest[:12]}) in {where}"
            f"{refused}.",
            hint="Replay answers only what the notebook recorded: run the cell live (unset VIBING2_LAB_MODE), "
                 "use --replay=fallback, or name the notebook with VIBING2_LAB_REPLAY_NOTEBOOK.")

    def _find(self, request: ModelRequest) -> RecordedCall | None:
        meta = request.metadata
        return self.index.find(meta.get("hash", ""), cell_id=self.cell_id, before_tools=meta.get("hash_before_tools"))

    def adopt_history(self, request: ModelRequest) -> None:
        """Send the recorded prior conversation, not the local store's, so the replayed record is
        the saved one whatever this machine's store holds (history is not part of the hash)."""
        found = self._find(request)
        if found is not None:
            request.messages = [*found.request.get("messages", []), request.messages[-1]]

    def _resolve(self, request: ModelRequest) -> tuple[RecordedCall | None, ErrorEvent | None]:
        try:
            return self.lookup(request), None
        except ReplayError as exc:
            if self.fallback is not None:
                log.warning("replay: %s; making the live call instead", exc.message)
                return None, None
            return None, ErrorEvent(kind=exc.kind, message=exc.message, hint=exc.hint,
                                    agent=request.metadata.get("agent"))

    def stream(self, request: ModelRequest, *, cancel: Cancel | None = None) -> Iterator[StreamEvent]:
        """The recorded tokens at `settings.replay_pace` seconds each, then the recorded final event."""
        found, error = self._resolve(request)
        if error is not None:
            yield error
            return
        if found is None:
            yield from self.fallback.stream(request, cancel=cancel)  # type: ignore[union-attr]
            return
        final = _final_from_record(found, request)
        sent: list[str] = []
        cancel = cancel or _new_cancel()
        for event in self._recorded(found):
            if isinstance(event, TokenEvent):
                if cancel.wait(self.settings.replay_pace):
                    yield self._cancelled(final, sent)
                    return
                sent.append(event.text)
            yield event
        yield final

    async def astream(self, request: ModelRequest, *, cancel: Cancel | None = None) -> AsyncIterator[StreamEvent]:
        """`stream` for asyncio."""
        found, error = self._resolve(request)
        if error is not None:
            yield error
            return
        if found is None:
            async for event in self.fallback.astream(request, cancel=cancel):  # type: ignore[union-attr]
                yield event
            return
        final = _final_from_record(found, request)
        sent: list[str] = []
        cancel = cancel or _new_cancel()
        for event in self._recorded(found):
            if isinstance(event, TokenEvent):
                if await cancel.async_wait(self.settings.replay_pace):
                    yield self._cancelled(final, sent)
                    return
                sent.append(event.text)
            yield event
        yield final

    @property
    def steps(self) -> list[dict[str, Any]]:
        """The tool steps of what was answered: the replayed record's, or the live fallback's."""
        if self._steps is not None:
            return self._steps
        return list(getattr(self.fallback, "steps", None) or [])

    @property
    def files(self) -> dict[str, str]:
        return {} if self._steps is not None else dict(getattr(self.fallback, "files", None) or {})

    def _recorded(self, found: RecordedCall) -> list[StreamEvent]:
        """The recorded answer's events before its final one. A tool-using answer replays its
        steps: each request's text, its tool calls, then the RECORDED results (no tool runs)."""
        steps = found.response.get("steps")
        if steps is None:
            return [*(TokenEvent(t) for t in replay_tokens(found.response["text"])),
                    *(ToolUseEvent(id=t["id"], name=t["name"], input=t["input"])
                      for t in found.response.get("tool_uses", []))]
        from ..tools import ToolStep

        agent = self.agent.name if self.agent is not None else None
        self._steps = list(steps)
        events: list[StreamEvent] = []
        for step in steps:
            events += [TokenEvent(t) for t in replay_tokens(step.get("text", ""))]
            events += [ToolUseEvent(id=t["id"], name=t["name"], input=t["input"], raw_input=t.get("raw_input"))
                       for t in step.get("tool_uses", [])]
            events += [ToolStep.from_dict(r).event(agent) for r in step.get("results", [])]
        return events

    @staticmethod
    def _cancelled(final: StreamEvent, sent: list[str]) -> ErrorEvent:
        return ErrorEvent(kind="cancelled", message="Stopped by the user.", partial_text="".join(sent),
                          status="cancelled", provider=final.provider, model=final.model)  # type: ignore[union-attr]
