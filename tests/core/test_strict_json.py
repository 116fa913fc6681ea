"""One strict-JSON rule (vibing2_lab/strict_json.py) for request bodies (server/body.py) and
notebook files (notebook/loading.py): the same numbers refused by both, each caller saying
so with its own error type and words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vibing2_lab import strict_json
from vibing2_lab.errors import ExportError, InputError
from vibing2_lab.notebook.loading import load_notebook
from vibing2_lab.server.body import MAX_INT, read_json

# literal -> (reason, the request body's message, the notebook file's words)
REFUSED = {
    "NaN": ("constant", "The request body holds NaN, which is not a number in JSON.", "NaN is not a JSON number"),
    "Infinity": ("constant", "The request body holds Infinity, which is not a number in JSON.",
                 "Infinity is not a JSON number"),
    "-Infinity": ("constant", "The request body holds -Infinity, which is not a number in JSON.",
                  "-Infinity is not a JSON number"),
    "1e309": ("infinite", "The request body holds the number 1e309, which is too large to be a number.",
              "the number 1e309 is too large"),
    "-1.5e400": ("infinite", "The request body holds the number -1.5e400, which is too large to be a number.",
                 "the number -1.5e400 is too large"),
}


@pytest.mark.parametrize("literal", REFUSED)
def test_the_rule_refuses_what_json_loads_lets_through(literal: str) -> None:
    text = f'{{"n": {literal}}}'
    assert json.loads(text)  # Python's own reader takes it: NaN, inf
    with pytest.raises(strict_json.StrictJSONError) as caught:
        strict_json.loads(text)
    assert (caught.value.reason, caught.value.literal, str(caught.value)) == (REFUSED[literal][0], literal,
                                                                              REFUSED[literal][2])
    assert isinstance(caught.value, ValueError)  # callers that catch ValueError still catch it


@pytest.mark.parametrize("literal", REFUSED)
def test_both_callers_refuse_it_in_their_own_words(tmp_path: Path, literal: str) -> None:
    _, body_message, file_words = REFUSED[literal]
    with pytest.raises(InputError) as body:
        read_json(f'{{"prompt": "hi", "temperature": {literal}}}'.encode())
    assert body.value.message == body_message and "finite numbers" in body.value.hint
    path = tmp_path / "shared.ipynb"
    path.write_text(f'{{"cells": [], "metadata": {{"x": {literal}}}}}', encoding="utf-8")
    with pytest.raises(ExportError) as notebook:
        load_notebook(path)
    assert notebook.value.message == f"{path} is not a notebook (invalid JSON: {file_words})."


def test_whole_numbers_are_bounded_only_where_the_caller_asks(tmp_path: Path) -> None:
    big = str(MAX_INT + 1)
    assert strict_json.loads(big) == MAX_INT + 1  # a notebook may hold any whole number
    assert strict_json.loads(str(-MAX_INT), max_int=MAX_INT) == -MAX_INT
    with pytest.raises(strict_json.StrictJSONError) as caught:
        strict_json.loads(f"[{big}]", max_int=MAX_INT)
    assert (caught.value.reason, caught.value.literal) == ("range", big)
    with pytest.raises(InputError, match=f"The request body holds the whole number {big}, which is outside the "
                                         "64-bit range"):
        read_json(f'{{"version": {big}}}'.encode())
    path = tmp_path / "big.ipynb"
    path.write_text(f'{{"cells": [], "metadata": {{"n": {big}}}}}', encoding="utf-8")
    assert load_notebook(path)["metadata"]["n"] == MAX_INT + 1


def test_ordinary_json_is_untouched() -> None:
    text = '{"a": [1, -2, 3.5, 1e308, -0.0, true, null, "NaN"]}'
    assert strict_json.loads(text) == json.loads(text)
    assert strict_json.loads(text.encode(), max_int=MAX_INT) == json.loads(text)
