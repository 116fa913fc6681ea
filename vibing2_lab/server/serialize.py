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


STEP_INPUT_CHARS = 2000  # of each input value of a restored tool step (a Write's file is in the project)


def message_json(message: Message, runs: dict[int, Run]) -> dict[str, Any]:
    run = runs.get(message.run_id) if message.run_id is not None else None
    return {
        "id": message.id, "role": message.role, "content": message.content, "agent": message.agent,
        "status": message.status, "created": message.created, "version": message.version,
        "run": {name: getattr(run, name) for name in _RUN_FIELDS} if run is not None else None,
        "steps": restored_steps(message.meta),
    }


def restored_steps(meta: dict[str, Any] | None) -> list[dict[str, Any]]:
    """An answer's tool calls as the sidebar draws them when a conversation is reopened: what the
    live tool_use and tool_result events said (the result cut as they cut it), from the record the
    answer keeps. A record imported from a notebook was validated on the way in; this reads it
    defensively all the same (a step of the wrong shape is left out, not an error)."""
    from ..tools.base import cut
    from ..tools.runner import PREVIEW_CHARS

    record = (meta or {}).get("record")
    response = record.get("response") if isinstance(record, dict) else None
    steps = response.get("steps") if isinstance(response, dict) else None
    out = []
    for step in steps if isinstance(steps, list) else []:
        for result in step.get("results") or [] if isinstance(step, dict) else []:
            if not (isinstance(result, dict) and isinstance(result.get("name"), str)
                    and isinstance(result.get("content"), str)):
                continue
            given = result.get("input") if isinstance(result.get("input"), dict) else {}
            duration = result.get("duration")
            out.append({
                "id": str(result.get("id", "")), "name": result["name"],
                "input": {k: cut(v, STEP_INPUT_CHARS, what="input") if isinstance(v, str) else v
                          for k, v in given.items()},
                "status": result.get("status") if result.get("status") in ("ok", "error", "denied") else "error",
                "content": cut(result["content"], PREVIEW_CHARS, what="result"),
                "duration": duration if isinstance(duration, (int, float)) and not isinstance(duration, bool) else None,
            })
    return out


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
