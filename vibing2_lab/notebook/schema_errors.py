"""jsonschema errors said without the value they are about, for data from outside (a notebook's
records, record.py; a whole notebook, rerun.py): the value can be megabytes, or a key someone
pasted, and must not reach an error text or a log. And the one check a JSON schema cannot make:
text that is not text (a lone surrogate)."""

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
