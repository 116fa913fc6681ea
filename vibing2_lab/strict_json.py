"""Strict JSON: the one rule for JSON read from outside (request bodies, notebook files).

No NaN or Infinity (JSON has no such numbers, yet Python's json reads them), no number that
overflows a float to infinity (1e309: kept, it would be written back as null or as Infinity,
which JupyterLab and GitHub cannot open, and upstream APIs reject), and, where the caller says
so, no whole number outside a range (the store's 64-bit integers). A refusal is a
StrictJSONError (a ValueError) saying which; each caller turns it into its own error.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable


class StrictJSONError(ValueError):
    """A number strict JSON refuses. `reason`: "constant" (NaN, Infinity, -Infinity),
    "infinite" (a float literal too large) or "range" (a whole number past `max_int`)."""

    def __init__(self, reason: str, literal: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.literal = literal


def _no_constant(name: str) -> Any:
    raise StrictJSONError("constant", name, f"{name} is not a JSON number")


def _finite(literal: str) -> float:
    value = float(literal)  # a JSON literal is never NaN: float() of one is finite or infinite
    if math.isinf(value):
        raise StrictJSONError("infinite", literal, f"the number {literal[:40]} is too large")
    return value


def _whole_within(limit: int) -> Callable[[str], int]:
    def whole(literal: str) -> int:
        # Checked on the digits first: int() of thousands of digits is itself refused (and slow).
        if len(literal.lstrip("-")) > len(str(limit)) or not -limit <= (value := int(literal)) <= limit:
            raise StrictJSONError("range", literal, f"the whole number {literal[:40]} is outside ±{limit}")
        return value

    return whole


def loads(text: str | bytes, *, max_int: int | None = None) -> Any:
    """`text` parsed as strict JSON; StrictJSONError for a number it refuses, ValueError (and
    RecursionError, UnicodeDecodeError) as json.loads for anything else."""
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite,
                      parse_int=int if max_int is None else _whole_within(max_int))
