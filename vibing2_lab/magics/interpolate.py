"""Prompt interpolation: `{name}`, `{name.attr}`, `{In[3]}`, `{Out[3]}`, `{Err[3]}`.

A placeholder is replaced only when it resolves; everything else stays verbatim, so prompts
full of code never break: dicts, f-strings and JS objects whose names are not defined, CSS,
`{{ templates }}`. Braces glued to what comes before them are left alone too, because they
are code, not placeholders: LaTeX (`\\frac{a}{b}`, `x^{n}`, `a_{i}`), JS/shell `${x}`.

    interpolate("Explain {df} and fix {Err[-1]}", namespace=user_ns, errors=error_log)

Values are turned into text the way an f-string would (`str`), except that a DataFrame (or
anything with `shape`, `dtypes` and `head()`) or an array is summarised, and any value is
cut to a size limit with a note saying how much was left out. `Err[n]` is the traceback
text of the error cell n raised (negative n counts from the most recent error).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Sequence

MAX_VALUE_CHARS = 4_000  # a summarised or str()-ed value
MAX_TEXT_CHARS = 20_000  # a string, a cell's source or a traceback, inserted as they are
HEAD_ROWS = 5

_PLACEHOLDER = re.compile(
    r"(?<![\w\\}^${])\{(?:(?P<hist>In|Out|Err)\[(?P<index>-?\d+)\]|(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*))\}(?!\})")

_MISSING = object()


def interpolate(text: str, *, namespace: Mapping[str, Any], inputs: Sequence[str] = (),
                outputs: Mapping[int, Any] | None = None, errors: Mapping[int, str] | None = None) -> str:
    """`text` with every placeholder that resolves replaced by its value's text."""
    history: dict[str, Callable[[int], Any]] = {
        "In": lambda n: _index(inputs, n),
        "Out": lambda n: (outputs or {}).get(n, _MISSING),
        "Err": lambda n: _error(errors or {}, n),
    }

    def replace(m: re.Match[str]) -> str:
        if m.group("hist"):
            value = history[m.group("hist")](int(m.group("index")))
            if value is _MISSING:
                return m.group(0)
            return _cap(value, MAX_TEXT_CHARS) if isinstance(value, str) else describe(value)
        value = resolve(m.group("name"), namespace)
        return m.group(0) if value is _MISSING else describe(value)

    return _PLACEHOLDER.sub(replace, text)


def resolve(dotted: str, namespace: Mapping[str, Any]) -> Any:
    """The value of `name.attr.attr` in `namespace`, or a sentinel when it does not resolve."""
    name, *attrs = dotted.split(".")
    if name not in namespace or any(a.startswith("__") for a in attrs):
        return _MISSING
    value = namespace[name]
    for attr in attrs:
        try:
            value = getattr(value, attr)
        except Exception:  # a property that raises is "does not resolve", like a missing name
            return _MISSING
    return value


def describe(value: Any, *, limit: int = MAX_VALUE_CHARS) -> str:
    """A value as prompt text: strings as they are, tables and arrays summarised, all capped."""
    if isinstance(value, str):
        return _cap(value, MAX_TEXT_CHARS)
    try:
        if _is_table(value):
            return _cap(_table_summary(value), limit)
        if _is_array(value):
            return _cap(f"{type(value).__name__} of shape {tuple(value.shape)}, dtype {value.dtype}:\n{value!s}",
                        limit)
        return _cap(str(value), limit)
    except Exception as exc:  # a broken __str__ must not break the prompt
        return f"<{type(value).__name__} that could not be shown: {type(exc).__name__}>"


def _is_table(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtypes") and callable(getattr(value, "head", None))


def _is_array(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, type)


def _table_summary(table: Any) -> str:
    """Shape, column types and the first rows of a DataFrame-like value (pandas not required)."""
    head = table.head(HEAD_ROWS)
    shown = head.to_string() if callable(getattr(head, "to_string", None)) else str(head)
    dtypes = table.dtypes
    types = dtypes.to_string() if callable(getattr(dtypes, "to_string", None)) else str(dtypes)
    rows = table.shape[0] if len(table.shape) else 0
    return (f"{type(table).__name__} with shape {tuple(table.shape)}\n"
            f"Column types:\n{types}\n"
            f"First {min(HEAD_ROWS, rows)} rows:\n{shown}")


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… [cut: {len(text) - limit:,} more characters of {len(text):,}]"


def _index(items: Sequence[str], n: int) -> Any:
    try:
        return items[n]
    except IndexError:
        return _MISSING


def _error(errors: Mapping[int, str], n: int) -> Any:
    if n < 0:
        ordered = sorted(errors)
        return errors[ordered[n]] if -n <= len(ordered) else _MISSING
    return errors.get(n, _MISSING)
