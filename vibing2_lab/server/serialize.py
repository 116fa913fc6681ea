"""The store's records as the JSON the sidebar reads (one place, so every route agrees)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from ..store import Message, Project, ProjectFile, ProjectSummary, Run

_RUN_FIELDS = ("provider", "model", "input_tokens", "output_tokens", "cost_usd", "ttft_s", "duration_s")


def summary_json(summary: ProjectSummary) -> dict[str, Any]:
    return asdict(summary)


def file_json(file: ProjectFile, *, content: bool = True) -> dict[str, Any]:
    data = {"path": file.path, "language": file.language, "size": len(file.content.encode("utf-8")),
            "updated": file.updated}
    if content:
        data["content"] = file.content
    return data


def message_json(message: Message, runs: dict[int, Run]) -> dict[str, Any]:
    run = runs.get(message.run_id) if message.run_id is not None else None
    return {
        "id": message.id, "role": message.role, "content": message.content, "agent": message.agent,
        "status": message.status, "created": message.created, "version": message.version,
        "run": {name: getattr(run, name) for name in _RUN_FIELDS} if run is not None else None,
    }


def project_json(project: Project, runs: Iterable[Run] = ()) -> dict[str, Any]:
    """A project with its current conversation (each answer with its run's usage) and files."""
    by_id = {run.id: run for run in runs if run.id is not None}
    return {
        "id": project.id, "name": project.name, "type": project.type, "agents": project.agents,
        "conversation": project.conversation, "forked_from": project.forked_from,
        "created": project.created, "updated": project.updated,
        "owner": project.owner, "visibility": project.visibility, "updated_by": project.updated_by,
        "messages": [message_json(m, by_id) for m in project.messages],
        "files": [file_json(f) for f in project.files],
    }
