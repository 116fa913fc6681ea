"""Projects ⇄ notebooks: a project's conversation as `%%vibe` cells with their recorded outputs.

    export_notebook(store, ref) -> dict        nbformat v4 notebook (JSON-ready dict)
    write_notebook(store, ref, path)            the same, written to disk
    import_notebook(store, path, name=None)     a new project rebuilt from a notebook's records

Each cell's output is the static rendering of its record (render.render_bundle) with the
record in the output metadata, exactly what `%%vibe` leaves behind, so an exported notebook
reads well anywhere and replays offline. export → import → export gives the same notebook.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ExportError, ProjectError
from .record import METADATA_KEY, SCHEMA

if TYPE_CHECKING:
    from ..store import Message, Store

_CELL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
INTRO = ("# {name}\n\nA vibing2-lab session exported from project **{name}**. The answers below are "
         "recorded; run the notebook with `VIBING2_LAB_MODE=replay` to replay them offline, or "
         "live with a key to ask again.")


def _turns(messages: list[Message]) -> list[tuple[Message, list[Message]]]:
    """(user message, the assistant answers that followed it) in order."""
    turns: list[tuple[Message, list[Message]]] = []
    for message in messages:
        if message.role == "user":
            turns.append((message, []))
        elif message.role == "assistant" and turns:
            turns[-1][1].append(message)
    return turns


def _call_record(answer: Message) -> dict[str, Any]:
    meta = answer.meta or {}
    if "record" in meta:
        return meta["record"]
    # An answer stored without a record (older data): keep what the store knows.
    agent = {"name": answer.agent, "sha256": None, "source": None} if answer.agent else None
    return {"request": {"hash": None, "provider": None, "model": None, "agent": agent, "system_sha256": None,
                        "parameters": {}, "prompt": None, "messages": []},
            "response": {"status": answer.status, "text": answer.content, "stop_reason": None, "request_id": None,
                         "usage": {}, "timings": {}, "cost_usd": None, "tool_uses": [], "error": None}}


def cell_record(project: str, prompt: Message, answers: list[Message], *, cell_id: str) -> dict[str, Any]:
    """The `vibing2_lab` record of one exported cell."""
    from .. import __version__

    meta = prompt.meta or {}
    agents = list(meta.get("agents") or [])
    # Fan-out answers are stored as they finish; the record lists them in the order asked.
    ordered = sorted(answers, key=lambda a: agents.index(a.agent) if a.agent in agents else len(agents))
    return {"schema": SCHEMA, "version": __version__, "cell_id": cell_id, "mode": meta.get("mode", "single"),
            "project": project, "prompt": prompt.content, "format": meta.get("format", "markdown"),
            "calls": [_call_record(a) for a in ordered]}


def cell_source(project: str, record: dict[str, Any], meta: dict[str, Any]) -> str:
    """`%%vibe` options that ask the same question again, then the prompt verbatim."""
    options = ["-p", project]
    agents = meta.get("agents") or [c["request"]["agent"]["name"] for c in record["calls"]
                                     if c["request"].get("agent")]
    if len(agents) == 1:
        options += ["--agent", agents[0]]
    elif agents:
        options += ["--agents", ",".join(agents)] + (["--chain"] if record["mode"] == "chain" else [])
    models = {f"{c['request']['provider']}:{c['request']['model']}" for c in record["calls"]
              if c["request"].get("provider")}
    if len(models) == 1:
        options += ["-m", models.pop()]
    if record.get("format", "markdown") != "markdown":
        options += ["-f", record["format"]]
    options.append("--no-interpolate")  # the stored prompt is already interpolated
    return f"%%vibe {shlex.join(options)}\n{record['prompt']}"


def _unique_id(wanted: str | None, n: int, seen: set[str]) -> str:
    cell_id = wanted if wanted and _CELL_ID.match(wanted) and wanted not in seen else f"vibe-{n}"
    seen.add(cell_id)
    return cell_id


def finite_only(value: Any) -> Any:
    """`value` with every NaN or infinite float (not JSON) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_only(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_only(v) for v in value]
    return value


def export_notebook(store: Store, ref: str | int) -> dict[str, Any]:
    """The project's current conversation as a notebook of `%%vibe` cells with recorded outputs."""
    from .render import render_bundle

    project = store.get_project(ref)
    cells: list[dict[str, Any]] = [{"cell_type": "markdown", "id": "vibe-intro", "metadata": {},
                                    "source": INTRO.format(name=project.name)},
                                   {"cell_type": "code", "id": "vibe-load", "metadata": {}, "execution_count": 1,
                                    "outputs": [], "source": "%load_ext vibing2_lab"}]
    seen: set[str] = {"vibe-intro", "vibe-load"}
    for n, (prompt, answers) in enumerate(_turns(project.messages), start=1):
        meta = prompt.meta or {}
        cell_id = _unique_id(meta.get("cell_id"), n, seen)
        # A NaN stored by an older version would make the notebook invalid JSON everywhere.
        record = finite_only(cell_record(project.name, prompt, answers, cell_id=cell_id))
        output = {"output_type": "display_data", "data": render_bundle(record),
                  "metadata": {METADATA_KEY: record}}
        cells.append({"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": n + 1,
                      "outputs": [output], "source": cell_source(project.name, record, meta)})
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"},
                         METADATA_KEY: {"project": project.name}}}


def write_notebook(store: Store, ref: str | int, path: Path) -> Path:
    """Export to `path` (a .ipynb), validated by nbformat; nothing is written if it fails."""
    import nbformat

    if path.suffix != ".ipynb":
        raise ExportError(f"{path} is not a .ipynb path.", hint="Give a file name ending in .ipynb.")
    nb = nbformat.from_dict(export_notebook(store, ref))
    nbformat.validate(nb)
    text = nbformat.writes(nb) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def _read(path: Path) -> dict[str, Any]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{path} does not exist.", hint="Check the path to the notebook.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(f"{path} is not a notebook (invalid JSON: {exc}).",
                          hint="Give a .ipynb file saved by Jupyter.") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ExportError(f"{path} is not a notebook (no cells).", hint="Give a .ipynb file saved by Jupyter.")
    return nb


def notebook_records(nb: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    """(cell id, record) for every `%%vibe` output in a notebook, in order."""
    found = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            record = (output.get("metadata") or {}).get(METADATA_KEY)
            if isinstance(record, dict) and record.get("schema") == SCHEMA:
                found.append((cell.get("id"), record))
    return found


def import_notebook(store: Store, path: Path, *, name: str | None = None) -> Any:
    """Rebuild a project (messages, runs, files) from a notebook's records. The project must not
    exist; if anything fails half-way, the partly imported project is removed."""
    nb = _read(path)
    records = notebook_records(nb)
    if not records:
        raise ExportError(f"{path} holds no vibing2-lab records.",
                          hint="Import a notebook saved after running %%vibe cells, or exported by vibing2-lab.")
    name = name or (nb.get("metadata", {}).get(METADATA_KEY) or {}).get("project") or records[0][1].get("project") \
        or path.stem
    if any(p.name == name for p in store.list_projects()):
        raise ProjectError(f"A project named {name!r} already exists.",
                           hint="Import under another name with --name NEW, or delete the old project first.")
    project = store.create_project(name)
    try:
        for cell_id, record in records:
            _import_cell(store, project.id, cell_id, record)
    except BaseException:
        store.delete_project(project.id)
        raise
    return store.get_project(project.id)


def _import_cell(store: Store, project_id: int, cell_id: str | None, record: dict[str, Any]) -> None:
    from ..store import Run, extract_files

    calls = record.get("calls", [])
    agents = [c["request"]["agent"]["name"] for c in calls if c["request"].get("agent")]
    ask_meta = {"cell_id": record.get("cell_id") or cell_id, "mode": record.get("mode", "single"),
                "agents": agents, "auto": False, "model": None, "format": record.get("format", "markdown")}
    store.add_message(project_id, "user", record.get("prompt", ""), meta=ask_meta)
    for call in calls:
        request, response = call["request"], call["response"]
        usage, timings = response.get("usage") or {}, response.get("timings") or {}
        status = response.get("status", "complete")
        agent = (request.get("agent") or {}).get("name")
        run = Run(agent=agent, provider=request.get("provider"), model=request.get("model"), status=status,
                  input_tokens=usage.get("input_tokens", 0), output_tokens=usage.get("output_tokens", 0),
                  cost_usd=response.get("cost_usd"), ttft_s=timings.get("ttft"), duration_s=timings.get("duration"),
                  request_id=response.get("request_id"), error_kind=(response.get("error") or {}).get("kind"))
        text = response.get("text", "")
        files = extract_files(text) if status == "complete" else {}
        store.record_answer(project_id, text, agent=agent, status=status, run=run, files=files,
                            meta={**ask_meta, "record": call})
