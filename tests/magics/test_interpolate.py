"""Prompt interpolation: placeholders that resolve are replaced, all other braces stay verbatim."""

from __future__ import annotations

import pytest

from vibing2_lab.magics.interpolate import MAX_TEXT_CHARS, MAX_VALUE_CHARS, describe, interpolate


class Column:
    """Duck-typed pieces of a DataFrame (pandas is not a dependency)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def to_string(self) -> str:
        return self.text


class Frame:
    shape = (1_000_000, 2)
    dtypes = Column("day      object\nrevenue  float64")

    def head(self, n: int) -> Column:
        return Column("  day  revenue\n0 mon  1.0\n1 tue  2.0")

    def __str__(self) -> str:  # a DataFrame's str would be huge: it must not be used
        raise AssertionError("the whole table was turned into text")


class Array:
    shape = (3,)
    dtype = "int64"

    def __str__(self) -> str:
        return "[1 2 3]"


class Broken:
    def __str__(self) -> str:
        raise RuntimeError("no")


class Record:
    name = "sales"

    @property
    def boom(self) -> str:
        raise ValueError("property failed")


NS = {"rows": 42, "name": "Ada", "rec": Record(), "df": Frame(), "arr": Array(), "broken": Broken(), "_": "last"}


def run(text: str, **kw: object) -> str:
    return interpolate(text, namespace=NS, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("text, expected", [
    ("{rows} rows for {name}", "42 rows for Ada"),
    ("table {rec.name}", "table sales"),
    ("last {_}", "last last"),
    ("({rows})", "(42)"),
    ('"{name}"', '"Ada"'),
    ("f\"{name}\"", "f\"Ada\""),  # an f-string whose name is defined: replaced, as documented
])
def test_names_and_attributes_that_resolve_are_replaced(text: str, expected: str) -> None:
    assert run(text) == expected


@pytest.mark.parametrize("text", [
    "{missing}", "{rec.missing}", "{rec.boom}", "{rec.__class__}", "{{rows}}", "{{ rows }}", "{ rows }",
    "d = {'rows': rows}", "{'a': 1, 'b': {rows: 2}}", "const o = {rows, name};", "`${rows}`", "${rows}",
    "\\frac{rows}{name}", "x^{rows}", "a_{rows}", "f{rows}", ".card {color: red; margin: 0}",
    "@media (max-width: 600px) { .a { b: c } }", "function f() {return rows}", "{In[x]}", "{Out[1]}",
    "{Err[9]}", "{In[99]}", "{}", "{0}", "{rows!r}", "{rows:>10}", "set() or {1, 2}",
])
def test_everything_else_stays_verbatim(text: str) -> None:
    assert run(text) == text


def test_history_placeholders() -> None:
    inputs = ["", "x = 1", "1/0"]
    errors = {2: "Traceback ...\nZeroDivisionError: division by zero", 5: "later error"}
    text = "In: {In[1]} / Out: {Out[1]} / Err: {Err[2]} / last: {Err[-1]} / prev cell: {In[-1]}"
    assert run(text, inputs=inputs, outputs={1: [1, 2]}, errors=errors) == (
        "In: x = 1 / Out: [1, 2] / Err: Traceback ...\nZeroDivisionError: division by zero / last: later error"
        " / prev cell: 1/0")
    assert run("{Err[-3]}", errors=errors) == "{Err[-3]}"


def test_a_table_is_summarised_not_dumped() -> None:
    text = run("{df}")
    assert text.startswith("Frame with shape (1000000, 2)\nColumn types:\nday      object\nrevenue  float64\n")
    assert text.endswith("First 5 rows:\n  day  revenue\n0 mon  1.0\n1 tue  2.0")


def test_arrays_large_values_and_broken_values() -> None:
    assert describe(Array()) == "Array of shape (3,), dtype int64:\n[1 2 3]"
    big = describe(list(range(100_000)))
    assert len(big) < MAX_VALUE_CHARS + 100 and big.endswith("characters of 688,890]")
    long = describe("x" * (MAX_TEXT_CHARS + 5))
    assert long.startswith("x" * MAX_TEXT_CHARS) and "5 more characters" in long
    assert run("{broken}") == "<Broken that could not be shown: RuntimeError>"
