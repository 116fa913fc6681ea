"""The notebook record of a `%%vibe` call: build it, hash requests, find a match for replay.

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
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable

SCHEMA = 1
METADATA_KEY = "vibing2_lab"


def sha256_text(text: str | bytes | None) -> str | None:
    """Hex sha256 of a text (UTF-8) or bytes; None stays None."""
    if text is None:
        return None
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def request_hash(
    *,
    provider: str,
    model: str,
    agent_sha256: str | None,
    system_sha256: str | None,
    parameters: dict[str, Any],
    prompt: str,
    tools: list[dict[str, Any]] | None = None,
) -> str:
    """Canonical hash of what decides an answer (see the module docstring)."""
    fields = {"provider": provider, "model": model, "agent_sha256": agent_sha256, "system_sha256": system_sha256,
              "parameters": parameters, "prompt": prompt}
    if tools:  # only when offered, so the hashes of answers without tools stay what they were
        fields["tools"] = tools
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class RecordedCall:
    """One recorded call, as found in a notebook."""

    request: dict[str, Any]
    response: dict[str, Any]
    cell_id: str | None = None
    source: str = ""  # where it was found, for messages

    @property
    def hash(self) -> str:
        return str(self.request.get("hash", ""))

    @property
    def agent_name(self) -> str | None:
        agent = self.request.get("agent") or {}
        return agent.get("name")

    @property
    def agent_sha256(self) -> str | None:
        agent = self.request.get("agent") or {}
        return agent.get("sha256")


def calls_in_outputs(outputs: Iterable[dict[str, Any]], *, cell_id: str | None, source: str) -> list[RecordedCall]:
    """Every recorded call in one cell's outputs."""
    found: list[RecordedCall] = []
    for output in outputs:
        record = (output.get("metadata") or {}).get(METADATA_KEY)
        if not isinstance(record, dict) or record.get("schema") != SCHEMA:
            continue
        for call in record.get("calls", []):
            found.append(RecordedCall(call["request"], call["response"], cell_id or record.get("cell_id"), source))
    return found


def calls_in_notebook(nb: dict[str, Any], *, source: str = "") -> list[RecordedCall]:
    """Every recorded call in a notebook (a dict as nbformat reads it)."""
    calls: list[RecordedCall] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            calls.extend(calls_in_outputs(cell.get("outputs", []), cell_id=cell.get("id"), source=source))
    return calls
