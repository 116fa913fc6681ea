"""The one reader of request bodies, and the typed fields each route declares, in one dict.

    data = fields(read_json(request.body), {"prompt": (str, REQUIRED), "auto": (bool, False)})

`read_json` accepts only what every consumer downstream can take: a JSON object, valid
UTF-8, strict JSON (strict_json.py: no NaN or Infinity, nor numbers that overflow to it:
JupyterLab and GitHub cannot open a notebook holding one, and upstream APIs reject it), no
whole number outside 64 bits (SQLite and PostgreSQL's BIGINT cannot hold one: an id or
version number past it would fail the query), no lone surrogate in any string or key (it
cannot be stored, sent or written as UTF-8), and no absurd nesting.
A field is `(type or types, default)`; REQUIRED as the default makes it mandatory.
An unknown field, a missing one or a wrong type is an InputError naming the field.
"""

from __future__ import annotations

import gc
import re
from typing import Any, Mapping

from .. import strict_json
from ..errors import InputError

MAX_INT = 2**63 - 1  # the store's integers (SQLite INTEGER, PostgreSQL BIGINT) are signed 64-bit
MAX_UNKNOWN_NAMED = 5  # unknown fields an error names (a body of a million keys gets a short answer)
MAX_DEPTH = 32  # request bodies are flat objects; deeper nesting is refused, not recursed into
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_HINT = 'Send a JSON object, e.g. {"prompt": "..."}.'


def _refused(exc: strict_json.StrictJSONError) -> InputError:
    """A number strict JSON refuses (strict_json.py), said for a request body."""
    text = exc.literal
    if exc.reason == "range":
        return InputError(f"The request body holds the whole number {text[:40]}{'...' if len(text) > 40 else ''}, "
                          f"which is outside the 64-bit range (at most {MAX_INT}).",
                          hint="Send ids, versions and counts as the numbers they are (e.g. 1).")
    if exc.reason == "infinite":
        return InputError(f"The request body holds the number {text[:40]}, which is too large to be a number.",
                          hint="Send finite numbers only.")
    return InputError(f"The request body holds {text}, which is not a number in JSON.",
                      hint="Send finite numbers only (NaN and Infinity are refused).")


def read_json(raw: bytes | None) -> dict[str, Any]:
    """The request body as a JSON object (empty body: {}), or InputError saying why not."""
    # Without the cyclic GC: while the parser (which holds the GIL) builds a million empty lists,
    # the collector ran over the whole heap again and again: a 4 MiB body held every thread,
    # the event loop too, 0.5-1.1 s; 0.06 s without. A parsed body holds no cycles to collect.
    collecting = gc.isenabled()
    gc.disable()
    try:
        data = strict_json.loads(raw or b"{}", max_int=MAX_INT)
    except strict_json.StrictJSONError as exc:
        raise _refused(exc) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(f"The request body is not valid JSON: {reason}.", hint=_JSON_HINT) from None
    finally:
        if collecting:
            gc.enable()
    if not isinstance(data, dict):
        raise InputError(f"The request body must be a JSON object, not {type(data).__name__}.", hint=_JSON_HINT)
    _check_strings(data, "the request body", 0)
    return data


def _check_strings(value: Any, where: str, depth: int) -> None:
    """Refuse lone surrogates (JSON's "\\ud800") anywhere, naming the field; bound the depth."""
    if depth > MAX_DEPTH:
        raise InputError(f"{where} is nested more than {MAX_DEPTH} levels deep.", hint=_JSON_HINT)
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise InputError(f"{where} holds a lone UTF-16 surrogate (like \\ud800), which is not text.",
                             hint="Send valid Unicode: escape a character outside the BMP as a surrogate pair.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, f"a field name in {where}", depth + 1)
            _check_strings(item, repr(key) if depth == 0 else f"{where}[{key!r}]", depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_strings(item, f"{where}[{i}]", depth + 1)

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
        named = ", ".join(map(repr, unknown[:MAX_UNKNOWN_NAMED]))
        more = f" and {len(unknown) - MAX_UNKNOWN_NAMED:,} more" if len(unknown) > MAX_UNKNOWN_NAMED else ""
        raise InputError(f"Unknown field {named}{more} in the request body.",
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
