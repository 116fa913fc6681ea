"""Trimming a model's answer to the continuation, whole and while it streams in."""

from __future__ import annotations

import pytest

from tests.completion.answers import CASES, Case
from vibing2_lab.completion import visible


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_whole_answer_trims_to_the_continuation(case: Case) -> None:
    shown = visible(case.answer, prefix=case.prefix, suffix=case.suffix, language=case.language, max_lines=8)
    assert shown.text == case.expected


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_streaming_never_shows_what_trimming_removes_later(case: Case) -> None:
    """Fed one character at a time, each shown text extends the last and ends at the final one."""
    shown = ""
    for end in range(1, len(case.answer) + 1):
        now = visible(case.answer[:end], prefix=case.prefix, suffix=case.suffix, language=case.language,
                      max_lines=8, final=False)
        assert now.text.startswith(shown), (case.answer[:end], shown, now.text)
        shown = now.text
        if now.done:
            break
    assert case.expected.startswith(shown)
    final = visible(case.answer, prefix=case.prefix, suffix=case.suffix, language=case.language, max_lines=8)
    assert final.text == case.expected


def test_a_plain_continuation_is_shown_token_by_token() -> None:
    """No hold-back for ordinary code: each token is visible as soon as it arrives."""
    tokens = ["n", "):", "\n", "    return", " n"]
    for k in range(1, len(tokens) + 1):
        raw = "".join(tokens[:k])
        assert visible(raw, prefix="def fib(", final=False).text == raw.rstrip()


def test_done_once_max_lines_are_there() -> None:
    raw = "a = 1\nb = 2\nc = 3\n"
    assert visible(raw, prefix="", max_lines=2, final=False) == visible(raw, prefix="", max_lines=2)
    assert visible(raw, prefix="", max_lines=2, final=False).done
    assert not visible("a = 1\nb", prefix="", max_lines=2, final=False).done
