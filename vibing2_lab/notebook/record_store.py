"""A notebook record into the store: one call's record as a stored answer (live answers and
imported notebooks alike), and a whole cell record as its prompt and answers (project import).
The record itself (build, validate, read) is record.py's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..store import Message, Store


def store_call(store: Store, project_id: int, call: dict[str, Any], *, ask_meta: dict[str, Any],
               written: dict[str, str] | None = None, message_id: int | None = None) -> Message:
    """Store one call's record as an answer (partial or complete), its run with its tool calls, and
    its files: those a complete answer gives or edits (edits.py) over the current ones, plus those
    `written` by its Write/Edit tools (on disk whatever the answer's end); a change of the files
    makes a version. The message keeps the record, so the project exports back to the same notebook.
    With `message_id` (the answer's checkpoint row, see Call.checkpoint) that row becomes the answer."""
    from ..edits import apply_answer
    from ..store import Run

    request, response = call["request"], call["response"]
    usage, timings = response.get("usage") or {}, response.get("timings") or {}
    status, text, steps = response["status"], response["text"], response.get("steps") or []
    agent = (request.get("agent") or {}).get("name")
    run = Run(agent=agent, provider=request.get("provider"), model=request.get("model"), status=status,
              input_tokens=usage.get("input_tokens", 0), output_tokens=usage.get("output_tokens", 0),
              cost_usd=response.get("cost_usd"), ttft_s=timings.get("ttft"), duration_s=timings.get("duration"),
              request_id=response.get("request_id"), error_kind=(response.get("error") or {}).get("kind"),
              steps=[result for step in steps for result in step.get("results", [])], requests=max(len(steps), 1))
    change = apply_answer(text, store.version_files(project_id)) if status == "complete" else None
    meta = {**ask_meta, "record": call}
    if change is not None and change.problems:
        meta["edit_problems"] = change.problems
    files = {**(change.files if change else {}), **(written or {})}
    return store.record_answer(project_id, text, agent=agent, status=status, run=run, files=files, meta=meta,
                               prompt=request.get("prompt"), message_id=message_id)


def import_record(store: Store, project_id: int, cell_id: str | None, record: dict[str, Any]) -> None:
    """Store a validated cell record as the prompt and its answers (project import)."""
    calls = record["calls"]
    ask_meta = {"cell_id": record.get("cell_id") or cell_id, "mode": record.get("mode", "single"),
                "agents": [c["request"]["agent"]["name"] for c in calls if c["request"].get("agent")],
                "auto": False, "model": None, "format": record.get("format", "markdown")}
    store.add_message(project_id, "user", record.get("prompt", ""), meta=ask_meta)
    for call in calls:
        store_call(store, project_id, call, ask_meta=ask_meta)
