"""What a completion request knows about the editor: the cell around the cursor, the cells
before it (sources and short text outputs) and the language, checked and cut to a budget.

Two kinds of limits, both here so every adapter applies the same ones:
  - hard limits: a body beyond them is refused (InputError naming the field), so a client
    cannot make the server build a huge prompt;
  - the budget: within the hard limits, only the text nearest the cursor is kept (the
    tail of the prefix, the head of the suffix, the closest preceding cells first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import InputError

MAX_BODY_BYTES = 256 * 1024  # the whole request body
MAX_FIELD_CHARS = 64 * 1024  # prefix, suffix, one cell's source
MAX_CELLS = 500
MAX_OUTPUT_CHARS = 16 * 1024  # one cell's output as sent

PREFIX_BUDGET = 6_000  # characters kept before the cursor
SUFFIX_BUDGET = 1_500  # after it
CELLS_BUDGET = 8_000  # all preceding cells together
OUTPUT_BUDGET = 300  # one cell's output in the prompt
MAX_LANGUAGE = 40


@dataclass(frozen=True)
class Cell:
    """A cell before the cursor's cell: its source and (short, text-only) output."""

    source: str
    output: str = ""


@dataclass(frozen=True)
class CompletionContext:
    """The editor state a completion continues."""

    prefix: str
    suffix: str = ""
    language: str = "python"
    cells: tuple[Cell, ...] = field(default_factory=tuple)

    def budgeted(self) -> CompletionContext:
        """The same context cut to the prompt budget, keeping what is nearest the cursor."""
        kept: list[Cell] = []
        room = CELLS_BUDGET
        for cell in reversed(self.cells):
            output = cell.output[:OUTPUT_BUDGET]
            size = len(cell.source) + len(output)
            if size > room:
                break
            kept.append(Cell(cell.source, output))
            room -= size
        return CompletionContext(self.prefix[-PREFIX_BUDGET:], self.suffix[:SUFFIX_BUDGET], self.language,
                                 tuple(reversed(kept)))


def _text(data: Mapping[str, Any], name: str, limit: int, *, where: str = "", default: str | None = "") -> str:
    value = data.get(name, default)
    label = f"{where}{name}"
    if not isinstance(value, str):
        raise InputError(f"{label!r} must be text, not {type(value).__name__}.", hint=f"Send {label!r} as a string.")
    if len(value) > limit:
        raise InputError(f"{label!r} is {len(value):,} characters, more than {limit:,}.",
                         hint="Send only the text near the cursor.")
    return value


def context_from(data: Mapping[str, Any]) -> CompletionContext:
    """The context a request body describes: `prefix`, `suffix`, `language`, `cells`."""
    if "prefix" not in data:
        raise InputError("The request body has no 'prefix'.", hint="Send the text before the cursor as 'prefix'.")
    cells = data.get("cells", [])
    if not isinstance(cells, list):
        raise InputError("'cells' must be a list.", hint='e.g. "cells": [{"source": "import pandas as pd"}]')
    if len(cells) > MAX_CELLS:
        raise InputError(f"'cells' has {len(cells):,} cells, more than {MAX_CELLS}.",
                         hint="Send only the cells before the cursor's cell, nearest last.")
    parsed = []
    for n, cell in enumerate(cells):
        if not isinstance(cell, dict) or set(cell) - {"source", "output"}:
            raise InputError(f"cells[{n}] must be an object with 'source' and optionally 'output'.",
                             hint='e.g. {"source": "x = 1", "output": "1"}')
        parsed.append(Cell(_text(cell, "source", MAX_FIELD_CHARS, where=f"cells[{n}]."),
                           _text(cell, "output", MAX_OUTPUT_CHARS, where=f"cells[{n}].")))
    language = _text(data, "language", MAX_LANGUAGE, default="python").strip().lower() or "python"
    return CompletionContext(_text(data, "prefix", MAX_FIELD_CHARS), _text(data, "suffix", MAX_FIELD_CHARS),
                             language, tuple(parsed))
