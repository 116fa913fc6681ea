"""The tool steps of a recorded answer, for the panel and the static renderings.

A call's `response.steps` (record.py) lists the model requests of a tool loop, each with
its text, its `tool_uses` and their `results` (ToolStep dicts). Shown to a person, an
answer is its text with each tool call where the model made it: `tool_steps` flattens the
requests into one step per tool call, with `at`, the offset in the answer's text where it
belongs (the texts of the requests up to and including the one that called it).

Pure functions of the record, so replay renders the same bytes.
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterator, Mapping

from ..tools.base import cut

STATIC_CONTENT_CHARS = 2_000  # of a result or an input in the static renderings
_BACKTICKS = re.compile(r"`{3,}")


def tool_steps(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One dict per tool call: id, name, input, status, content, duration, consent, at."""
    steps, at = [], 0
    for request in response.get("steps") or []:
        at += len(str(request.get("text") or ""))
        results = {r.get("id"): r for r in request.get("results") or [] if isinstance(r, Mapping)}
        for use in request.get("tool_uses") or []:
            result = results.get(use.get("id"), {})
            steps.append({"id": use.get("id"), "name": use.get("name"), "input": use.get("input") or {},
                          "status": result.get("status") or "not run", "content": result.get("content") or "",
                          "duration": result.get("duration"), "consent": result.get("consent") or {}, "at": at})
    return steps


def pieces(text: str, steps: list[dict[str, Any]]) -> Iterator[tuple[str, Any]]:
    """("text", str) and ("step", step) in reading order: the text cut at each step's offset."""
    start = 0
    for step in sorted(steps, key=lambda s: s["at"]):
        at = min(max(step["at"], start), len(text))
        if at > start:
            yield "text", text[start:at]
        start = at
        yield "step", step
    if start < len(text) or not steps:
        yield "text", text[start:]


def step_facts(step: Mapping[str, Any]) -> list[str]:
    """Status, duration and who decided, as short display strings."""
    facts = [str(step.get("status"))]
    duration = step.get("duration")
    if isinstance(duration, (int, float)) and step.get("status") != "not run":
        facts.append(f"{duration:.1f} s")
    consent = step.get("consent") or {}
    by, verdict = consent.get("by"), consent.get("verdict")
    if by == "user":
        facts.append("denied by the user" if verdict == "deny" else "allowed by the user")
    elif by == "allow-flag":
        facts.append("allowed by --allow")
    elif by == "nobody":
        facts.append("nobody to ask")
    return facts


def input_text(step: Mapping[str, Any]) -> str:
    """The code, the command, or the input as JSON."""
    import json

    data = step.get("input") or {}
    for key in ("code", "command"):
        if isinstance(data.get(key), str):
            return data[key]
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)


def _cut(text: str) -> str:
    return cut(text, STATIC_CONTENT_CHARS, what="shown text")


def _fence(text: str) -> str:
    """A backtick fence longer than any run inside `text`, so the content cannot close it."""
    longest = max((len(m.group(0)) for m in _BACKTICKS.finditer(text)), default=2)
    return "`" * (longest + 1)


def step_text(step: Mapping[str, Any]) -> str:
    """text/plain: a header line, the input and the result, indented."""
    head = f"[tool {step.get('name')} · {' · '.join(step_facts(step))}]"
    body = [head] + ["  " + line for line in _cut(input_text(step)).splitlines()]
    if step.get("content"):
        body += ["  → " + line for line in _cut(str(step["content"])).splitlines()]
    return "\n".join(body)


LANGUAGES = {"Python": "python", "Bash": "bash"}  # of the input's fence; others are JSON


def step_markdown(step: Mapping[str, Any], escape_inline: Any) -> str:
    """text/markdown: a quoted header, the input and the result in code fences."""
    head = f"> **Tool {escape_inline(str(step.get('name')))}** · " + " · ".join(
        escape_inline(f) for f in step_facts(step))
    code = _cut(input_text(step))
    language = LANGUAGES.get(str(step.get("name")), "json")
    parts = [head, f"{_fence(code)}{language}\n{code}\n{_fence(code)}"]
    if step.get("content"):
        result = _cut(str(step["content"]))
        parts.append(f"{_fence(result)}text\n{result}\n{_fence(result)}")
    return "\n\n".join(parts)


def step_html(step: Mapping[str, Any]) -> str:
    """text/html: a collapsed <details> with the input and the result (no script, all escaped)."""
    status = html.escape(str(step.get("status")))
    facts = " · ".join(html.escape(f) for f in step_facts(step))
    result = (f'<p>Result</p><pre>{html.escape(_cut(str(step["content"])))}</pre>' if step.get("content") else "")
    return (f'<details class="vibing2-lab-step" data-vibe-step-status="{status}">'
            f"<summary><strong>{html.escape(str(step.get('name')))}</strong> · {facts}</summary>"
            f"<p>Input</p><pre>{html.escape(_cut(input_text(step)))}</pre>{result}</details>\n")
