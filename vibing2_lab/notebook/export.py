"""Projects ⇄ notebooks: a project's conversation as `%%vibe` cells with their recorded outputs.

    export_notebook(store, ref) -> dict        nbformat v4 notebook (JSON-ready dict)
    write_notebook(store, ref, path)            the same, written to disk
    import_notebook(store, path, name=None)     a new project rebuilt from a notebook's records

Each cell's output is the static rendering of its record (render.render_bundle) with the
record in the output metadata, exactly what `%%vibe` leaves behind, so an exported notebook
reads well anywhere and replays offline. export → import → export gives the same notebook.
"""

from __future__ import annotations

import math
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ExportError, ProjectError
from ..literal import markdown_text
from .loading import load_notebook
from .record import CELL_ID, METADATA_KEY, cell_record, records_in_notebook
from .record_store import import_record

if TYPE_CHECKING:
    from ..store import Message, Store

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
# {name} is the project's name made literal (markdown_text): GitHub, nbviewer and JupyterLab render
# this cell outside our sandbox, and a name may read `[x](javascript:...)` or `<img onerror=...>`.
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
    cell_id = wanted if wanted and CELL_ID.match(wanted) and wanted not in seen else f"vibe-{n}"
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
    from .render import error_output, render_bundle

    project = store.get_project(ref)
    cells: list[dict[str, Any]] = [{"cell_type": "markdown", "id": "vibe-intro", "metadata": {},
                                    "source": INTRO.format(name=markdown_text(project.name))},
                                   {"cell_type": "code", "id": "vibe-load", "metadata": {}, "execution_count": 1,
                                    "outputs": [], "source": "%load_ext vibing2_lab"}]
    seen: set[str] = {"vibe-intro", "vibe-load"}
    for n, (prompt, answers) in enumerate(_turns(project.messages), start=1):
        meta = prompt.meta or {}
        cell_id = _unique_id(meta.get("cell_id"), n, seen)
        # A NaN stored by an older version would make the notebook invalid JSON everywhere.
        record = finite_only(cell_record(project.name, prompt, answers, cell_id=cell_id))
        outputs = [{"output_type": "display_data", "data": render_bundle(record), "metadata": {METADATA_KEY: record}}]
        failed = error_output(record)  # a failed answer fails its cell: the notebook shows that too
        cells.append({"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": n + 1,
                      "outputs": outputs + ([failed] if failed else []),
                      "source": cell_source(project.name, record, meta)})
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


def import_notebook(store: Store, path: Path, *, name: str | None = None) -> Any:
    """Rebuild a project (messages, runs, files) from a notebook's records. Every record is
    validated first and the project must not exist; if storing fails half-way, the partly
    imported project is removed."""
    nb = load_notebook(path)
    records = records_in_notebook(nb, source=str(path))  # ExportError naming the cell and field
    if not records:
        raise ExportError(f"{path} holds no vibing2-lab records.",
                          hint="Import a notebook saved after running %%vibe cells, or exported by vibing2-lab.")
    name = name or _project_name(nb) or records[0][1].get("project") or path.stem
    if any(p.name == name for p in store.list_projects()):
        raise ProjectError(f"A project named {name!r} already exists.",
                           hint="Import under another name with --name NEW, or delete the old project first.")
    project = store.create_project(name)
    try:
        for cell_id, record in records:
            import_record(store, project.id, cell_id, record)
    except BaseException:
        store.delete_project(project.id)
        raise
    return store.get_project(project.id)


def _project_name(nb: dict[str, Any]) -> str | None:
    meta = nb.get("metadata")
    ours = meta.get(METADATA_KEY) if isinstance(meta, dict) else None
    project = ours.get("project") if isinstance(ours, dict) else None
    return project if isinstance(project, str) and project.strip() else None
