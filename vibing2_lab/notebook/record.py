"""The notebook record of a `%%vibe` cell. This module owns it: build, validate, read, store.

    ask_record(session) / call_record(call)     build, from a finished Session and its Calls
    cell_record(project, prompt, answers)        build, from stored messages (project export)
    validate(record, where=...)                  the schema (record.schema.json): ExportError naming
                                                 the cell and the field; replay and import both check
    records_in_notebook(nb)                      read (loading.load_notebook reads the file); calls_in_notebook() for replay
    store_call / import_record (record_store.py) turn a call's record into a stored answer

A record (schema 1) lives in the output metadata key `vibing2_lab`:

    {
      "schema": 1,
      "version": "<vibing2-lab version that wrote it>",
      "cell_id": "<notebook cell id or null>",
      "mode": "single" | "fanout" | "chain",
      "project": "<project name or null>",
      "prompt": "<the interpolated prompt>",
      "format": "markdown" | "code" | "html" | "text",   # how the answer is rendered
      "calls": [                          # one per agent, in order
        {
          "request": {
            "hash": "<sha256 of the canonical request, see request_hash()>",
            "provider": "anthropic", "model": "claude-sonnet-4-5",
            "agent": {"name": "...", "sha256": "<of the agent file>", "source": "bundled"} | null,
            "system_sha256": "<of the system prompt>" | null,
            "parameters": {"max_tokens": 4096, "temperature": null},
            "prompt": "<what this call sent as the last user message>",
            "messages": [{"role": ..., "content": ...}, ...],  # prior conversation sent
            "tools": ["Read", "Python", ...]   # only when tools were offered
          },
          "response": {
            "status": "complete" | "error" | "cancelled",
            "text": "...", "stop_reason": ..., "request_id": ...,
            "usage": {"input_tokens": ..., "output_tokens": ..., ...},
            "timings": {"ttft": ..., "duration": ...},
            "cost_usd": ... | null,
            "tool_uses": [{"id", "name", "input"}],
            "error": {"kind": ..., "message": ...} | null,
            "steps": [                    # only when tools were offered: one per model request
              {"text": "<this request's text>", "stop_reason": ..., "usage": {...},
               "tool_uses": [{"id", "name", "input", "raw_input"?}],
               "results": [{"id", "name", "input", "status": "ok" | "error" | "denied",
                            "content": "<the full result the model was given>",
                            "consent": {"verdict": "once" | "ask" | "deny", "by": ..., "reason": ...},
                            "duration": <seconds>}]}
            ]
          }
        }
      ]
    }

The request hash covers what decides an answer: provider, model, agent file hash, system
prompt hash, parameters, this call's prompt and the definitions of the tools offered.
Replay streams a record's steps (text, tool calls, the recorded results) and runs no tool. The prior conversation is recorded but not
hashed, so a notebook replays the same whatever is already in the local store.
Never a key: records are built only from requests and events, which carry none.
A record read from a notebook is outside data: it is validated before it is replayed or
imported, and a bad one never reaches the store (its numbers are bounded, so `stats`
sums cannot overflow).
"""


from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import ExportError
from ..keys import redact
from .schema_errors import schema_field, schema_reason, tool_call_overflow, unencodable

if TYPE_CHECKING:
    from ..events import CompleteEvent, ErrorEvent
    from ..session import Call, Session
    from ..store import Message

SCHEMA = 1
METADATA_KEY = "vibing2_lab"
CELL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # nbformat 4.5's cell id; another one is not named in messages
_FIX = "The record was changed outside vibing2-lab: restore the saved notebook, or run the cell live again."


def sha256_text(text: str | bytes | None) -> str | None:
    """Hex sha256 of a text (UTF-8) or bytes; None stays None."""
    if text is None:
        return None
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def request_hash(*, provider: str, model: str, agent_sha256: str | None, system_sha256: str | None,
                 parameters: dict[str, Any], prompt: str, tools: list[dict[str, Any]] | None = None) -> str:
    """Canonical hash of what decides an answer (see the module docstring)."""
    fields = {"provider": provider, "model": model, "agent_sha256": agent_sha256, "system_sha256": system_sha256,
              "parameters": parameters, "prompt": prompt}
    if tools:  # only when offered, so the hashes of answers without tools stay what they were
        fields["tools"] = tools
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- build ----------------------------------------------------------------------
def ask_record(session: Session) -> dict[str, Any]:
    """The record of a whole ask: one call record per agent, in the order asked."""
    from .. import __version__

    ask = session.ask
    return {"schema": SCHEMA, "version": __version__, "cell_id": ask.cell_id, "mode": session.mode,
            "project": ask.project if ask.store else None, "prompt": ask.prompt, "format": ask.format,
            "calls": [call_record(call) for call in session.calls]}


def call_record(call: Call) -> dict[str, Any]:
    """One call's part of the record: what was sent (no key, only hashes and text) and how it ended."""
    from ..events import ErrorEvent, to_dict

    agent = None if call.agent is None else {
        "name": call.agent.name, "sha256": call.agent.sha256, "source": call.agent.source}
    request = {
        "hash": call.hash, "provider": call.provider_name, "model": call.model, "agent": agent,
        "system_sha256": sha256_text(call.request.system),
        "parameters": {"max_tokens": call.request.max_tokens, "temperature": call.request.temperature},
        "prompt": call.prompt, "messages": call.request.messages[:-1],
    }
    if call.tools:
        request["tools"] = call.tools
    final = call.final
    data = to_dict(final) if final is not None else {}
    error = {"kind": final.kind, "message": final.message} if isinstance(final, ErrorEvent) else None
    response = {
        "status": call.status, "text": call.text, "stop_reason": data.get("stop_reason"),
        "request_id": data.get("request_id"), "usage": data.get("usage", {}), "timings": data.get("timings", {}),
        "cost_usd": data.get("cost_usd"), "tool_uses": [{"id": t.id, "name": t.name, "input": t.input}
                                                        for t in call.tool_uses],
        "error": error,
    }
    if call.tools:
        response["steps"] = call.steps
    return {"request": request, "response": response}


def cell_record(project: str, prompt: Message, answers: list[Message], *, cell_id: str) -> dict[str, Any]:
    """The record of one exported cell, from a stored prompt and the answers that followed it."""
    from .. import __version__

    meta = prompt.meta or {}
    agents = list(meta.get("agents") or [])
    # Fan-out answers are stored as they finish; the record lists them in the order asked.
    ordered = sorted(answers, key=lambda a: agents.index(a.agent) if a.agent in agents else len(agents))
    return {"schema": SCHEMA, "version": __version__, "cell_id": cell_id, "mode": meta.get("mode", "single"),
            "project": project, "prompt": prompt.content, "format": meta.get("format", "markdown"),
            "calls": [_stored_call_record(a) for a in ordered]}


def _stored_call_record(answer: Message) -> dict[str, Any]:
    meta = answer.meta or {}
    if "record" in meta:
        return meta["record"]
    # An answer stored without a record (older data): keep what the store knows.
    agent = {"name": answer.agent, "sha256": None, "source": None} if answer.agent else None
    return {"request": {"hash": None, "provider": None, "model": None, "agent": agent, "system_sha256": None,
                        "parameters": {}, "prompt": None, "messages": []},
            "response": {"status": answer.status, "text": answer.content, "stop_reason": None, "request_id": None,
                         "usage": {}, "timings": {}, "cost_usd": None, "tool_uses": [], "error": None}}


# -- validate -------------------------------------------------------------------
@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads((Path(__file__).with_name("record.schema.json")).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def validate(record: Any, *, where: str) -> dict[str, Any]:
    """`record` if it fits the schema, else ExportError naming `where` (the cell) and the field.
    The message never quotes the record's values (they can be huge, or a key someone pasted)."""
    import jsonschema

    overflow = tool_call_overflow(record)  # first: the schema's own walk of a huge list takes minutes
    error = None if overflow is not None else jsonschema.exceptions.best_match(_validator().iter_errors(record))
    if overflow is not None:
        field, reason = schema_field(overflow[0]), overflow[1]
    elif error is not None:
        field, reason = schema_field(error.absolute_path), schema_reason(error)
    elif (path := unencodable(record)) is not None:  # a JSON "\ud800" escape: no UTF-8 file or database holds it
        field, reason = schema_field(path), "holds a lone surrogate (an invalid \\uD800-\\uDFFF escape), not text"
    else:
        return record
    raise ExportError(redact(f"{where}: invalid vibing2_lab record: {field or 'the record'}: {reason}."), hint=_FIX)


# -- read -----------------------------------------------------------------------
def records_in_notebook(nb: dict[str, Any], *, source: str = "",
                        on_invalid: Callable[[ExportError], None] | None = None) -> list[tuple[str | None, dict]]:
    """(cell id, validated record) for every `%%vibe` output, in order. An invalid record raises,
    or with `on_invalid` is reported there and left out."""
    found = []
    for n, cell in enumerate(nb.get("cells") or []):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        cell_id = cell.get("id") if isinstance(cell.get("id"), str) and CELL_ID.match(cell["id"]) else None
        outputs = cell.get("outputs")
        for output in outputs if isinstance(outputs, list) else []:
            metadata = output.get("metadata") if isinstance(output, dict) else None
            if not isinstance(metadata, dict) or METADATA_KEY not in metadata:
                continue
            where = f"{source + ': ' if source else ''}cell {cell_id or f'#{n}'}"
            try:
                found.append((cell_id, validate(metadata[METADATA_KEY], where=where)))
            except ExportError as exc:
                if on_invalid is None:
                    raise
                on_invalid(exc)
    return found


@dataclass
class RecordedCall:
    """One recorded call, as found in a notebook."""

    request: dict[str, Any]
    response: dict[str, Any]
    cell_id: str | None = None
    source: str = ""  # where it was found, for messages

    @property
    def hash(self) -> str:
        return str(self.request.get("hash") or "")

    @property
    def agent_name(self) -> str | None:
        return (self.request.get("agent") or {}).get("name")

    @property
    def agent_sha256(self) -> str | None:
        return (self.request.get("agent") or {}).get("sha256")


def calls_in_notebook(nb: dict[str, Any], *, source: str = "",
                      on_invalid: Callable[[ExportError], None] | None = None) -> list[RecordedCall]:
    """Every recorded call in a notebook (a dict as nbformat reads it), for replay."""
    return [RecordedCall(call["request"], call["response"], cell_id or record.get("cell_id"), source)
            for cell_id, record in records_in_notebook(nb, source=source, on_invalid=on_invalid)
            for call in [*record["calls"], *(record.get("pick") or {}).get("calls", [])]]  # + an --auto re-rank


def final_event(call: dict[str, Any], *, agent: str | None = None) -> CompleteEvent | ErrorEvent:
    """The final event a validated call record stands for (replay streams it, export renders it)."""
    from ..events import CompleteEvent, ErrorEvent, Timings, Usage

    request, response = call["request"], call["response"]
    text = response["text"]
    common: dict[str, Any] = dict(usage=Usage(**response.get("usage") or {}), request_id=response.get("request_id"),
                                  timings=Timings(**response.get("timings") or {}), provider=request.get("provider"),
                                  model=request.get("model"), agent=agent, cost_usd=response.get("cost_usd"))
    if response["status"] == "complete":
        return CompleteEvent(text=text, stop_reason=response.get("stop_reason"), **common)
    error = response.get("error") or {}
    # A live error message was redacted before it was recorded (providers/_exchange.py), so this
    # changes no honest record; a forged one's key is not raised as the cell's error or logged.
    return ErrorEvent(kind=error.get("kind", "error"), message=redact(error.get("message", "")), partial_text=text,
                      status=response["status"], **common)
