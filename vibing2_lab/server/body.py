"""Typed fields of a JSON request body: each route declares what it accepts, in one dict.

    data = fields(handler.json_body(), {"prompt": (str, REQUIRED), "auto": (bool, False)})

A field is `(type or types, default)`; REQUIRED as the default makes it mandatory.
An unknown field, a missing one or a wrong type is an InputError naming the field.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import InputError

REQUIRED = object()

_NAMES = {str: "text", bool: "true or false", int: "a whole number", float: "a number", list: "a list",
          dict: "an object", type(None): "null"}


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join(_NAMES.get(t, t.__name__) for t in types)


def _fits(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types:  # JSON true is not the number 1
        return False
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, types)


def fields(data: Mapping[str, Any], schema: Mapping[str, tuple[Any, Any]]) -> dict[str, Any]:
    """The body's fields checked against `schema`, defaults filled in."""
    unknown = sorted(set(data) - set(schema))
    if unknown:
        raise InputError(f"Unknown field {', '.join(map(repr, unknown))} in the request body.",
                         hint=f"Accepted fields: {', '.join(schema)}.")
    out: dict[str, Any] = {}
    for name, (kind, default) in schema.items():
        types = kind if isinstance(kind, tuple) else (kind,)
        if name not in data:
            if default is REQUIRED:
                raise InputError(f"The request body has no {name!r}.", hint=f"Add {name!r} ({_type_names(types)}).")
            out[name] = default
            continue
        value = data[name]
        if not _fits(value, types):
            raise InputError(f"{name!r} must be {_type_names(types)}, not {type(value).__name__}.",
                             hint=f"Send {name!r} as {_type_names(types)}.")
        out[name] = value
    return out


def text_list(name: str, value: list[Any]) -> list[str]:
    """A list field whose items must all be non-empty text."""
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise InputError(f"{name!r} must be a list of names (non-empty text).", hint=f'e.g. "{name}": ["a", "b"]')
    return [item.strip() for item in value]
