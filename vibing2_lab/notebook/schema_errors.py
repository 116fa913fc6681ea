"""jsonschema errors said without the value they are about, for data from outside (a notebook's
records, record.py; a whole notebook, rerun.py): the value can be megabytes, or a key someone
pasted, and must not reach an error text or a log. And the checks a JSON schema cannot make:
text that is not text (a lone surrogate), and the count of tool calls, before the schema runs."""

from __future__ import annotations

import json
from typing import Any


def schema_field(path: Any) -> str:
    """An error's path as the field a person reads: `calls[0].response.text`."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
               type(None): "null"}


def schema_reason(error: Any) -> str:
    """What the schema wants, said from the schema alone: jsonschema's own message quotes the value."""
    rule, wanted, value = error.validator, error.validator_value, error.instance
    if rule == "type":
        wanted = wanted if isinstance(wanted, list) else [wanted]
        return f"must be of type {' or '.join(wanted)}, not {_JSON_TYPES.get(type(value), 'something else')}"
    if rule == "enum":
        return f"must be one of {', '.join(json.dumps(w) for w in wanted)}"
    if rule == "const":
        return f"must be {json.dumps(wanted)}"
    if rule == "required":
        missing = [name for name in wanted if isinstance(value, dict) and name not in value]
        return f"lacks the required field {missing[0] if missing else wanted[0]!r}"
    if rule == "additionalProperties":
        known = sorted(error.schema.get("properties") or {})
        return f"has a field the schema does not allow (allowed: {', '.join(known)})"
    bounds = {"minimum": "at least {}", "maximum": "at most {}", "minLength": "at least {} characters long",
              "maxLength": "at most {} characters long", "minItems": "at least {} items long",
              "maxItems": "at most {} items long"}
    if rule == "pattern" and "\\u0000-\\u001f" in str(wanted):  # a record's names (record.schema.json)
        return "holds a control or format character, which a name may not"
    if rule == "pattern":
        return f"must match the pattern {wanted}"
    if rule in bounds:
        return "must be " + bounds[rule].format(wanted)
    return f"fails the schema rule {rule!r}"


def unencodable(value: Any) -> list[str | int] | None:
    """The path of the first text (a value or a key) UTF-8 cannot encode, or None. Iterative: a
    record may be nested as deep as the JSON decoder allows, deeper than this stack has room for."""
    todo: list[tuple[Any, list[str | int]]] = [(value, [])]
    while todo:
        item, path = todo.pop()
        if isinstance(item, str):
            if not item.isascii() and not _encodes(item):
                return path
        elif isinstance(item, dict):
            if not all(map(_encodes, map(str, item))):
                return path
            todo.extend(reversed([(child, [*path, key]) for key, child in item.items()]))  # in reading order
        elif isinstance(item, list):
            todo.extend(reversed([(child, [*path, n]) for n, child in enumerate(item)]))
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def tool_call_overflow(record: Any) -> tuple[list[str | int], str] | None:
    """(path, reason) of the first list of steps, tool calls or results longer than a record may
    hold (vibing2_lab/limits.py), or None. Checked before the schema, in a time of the number of
    steps: jsonschema walks every item of a list even past its maxItems, so a forged record with
    10**6 tool calls in one step took minutes to refuse, and rendered ~200 MB of HTML if not."""
    from ..limits import MAX_STEPS, MAX_TOOL_CALLS, MAX_TOOL_CALLS_PER_STEP

    calls = record.get("calls") if isinstance(record, dict) else None
    total = 0
    for c, call in enumerate(calls[:65] if isinstance(calls, list) else []):  # more: the schema's maxItems
        response = call.get("response") if isinstance(call, dict) else None
        if not isinstance(response, dict):
            continue
        at = ["calls", c, "response"]
        steps = response.get("steps")
        steps = steps if isinstance(steps, list) else []
        if len(steps) > MAX_STEPS:
            return [*at, "steps"], f"must be at most {MAX_STEPS} items long (model requests of one answer)"
        lists = [(at, "tool_uses", response.get("tool_uses"))]
        lists += [([*at, "steps", n], key, step.get(key)) for n, step in enumerate(steps) if isinstance(step, dict)
                  for key in ("tool_uses", "results")]
        for where, key, items in lists:
            if not isinstance(items, list):
                continue
            if len(items) > MAX_TOOL_CALLS_PER_STEP:
                return [*where, key], (f"must be at most {MAX_TOOL_CALLS_PER_STEP} items long "
                                       "(tool calls of one model request)")
            total += len(items) if key == "tool_uses" else 0
        if total > MAX_TOOL_CALLS:
            return at, f"holds {total:,} tool calls; a record holds at most {MAX_TOOL_CALLS:,}"
    return None
