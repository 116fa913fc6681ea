"""The `%%vibe` and `%vibe` lines split as a POSIX shell splits them (shlex). Before, the
`%%vibe` line went through IPython's own splitting, which keeps the quotes in the value
(`-p "my app"` was the project `"my app"`, quotes and all) and cuts at an escaped quote."""

from __future__ import annotations

import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from tests.magics.conftest import error_of, execute, notebook, record_of, texts
from vibing2_lab.errors import InputError
from vibing2_lab.magics.args import parse

SPLITS = {
    '-p "my app"': "my app",
    "-p 'my app'": "my app",
    r"-p my\ app": "my app",
    r'--project "say \"hi\""': 'say "hi"',
    r'-p "C:\data\shop"': r"C:\data\shop",  # in double quotes a backslash escapes only \ " $ `
    r"-p 'C:\data\shop'": r"C:\data\shop",
    r'-p "a\\b"': r"a\b",
    """-p 'it"s'""": 'it"s',
}


@pytest.mark.parametrize("line, project", SPLITS.items())
def test_the_line_splits_like_a_shell(line: str, project: str) -> None:
    assert parse(line).project == project


def test_other_options_beside_a_quoted_one() -> None:
    options = parse(r'--agent sql-expert -p "a \"b\" c" --max-tokens 5')
    assert (options.agent, options.project, options.max_tokens) == ("sql-expert", 'a "b" c', 5)


@pytest.mark.parametrize("line, what", [('-p "open', "an unclosed quote"), ("-p 'open", "an unclosed quote"),
                                        ('-p "a \\"', "an unclosed quote"), ("-p x\\", "a backslash at its end")])
def test_bad_quoting_is_an_input_error_naming_it(line: str, what: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(line)
    assert caught.value.message == f"The %%vibe line has {what}: {line!r}."
    assert "backslash" in caught.value.hint


@pytest.mark.kernel
def test_quoting_in_a_real_kernel(fake_model: FakeModelServer) -> None:
    """The cells as a user writes them: quoted names reach the store without their quotes, and
    an unclosed quote fails the cell (so Run All stops) with the short error, not a traceback."""
    fake_model.enqueue(Reply(text="one"), Reply(text="two"))
    nb = execute(notebook('%%vibe -p "my \\"best\\" app"\nhello', '%vibe use "team app"', "%%vibe\nagain",
                          '%%vibe -p "open\nhello', "%vibe use 'open"))
    quoted, use, again, unclosed, unclosed_line = nb.cells[1:]
    assert error_of(quoted) is None and record_of(quoted)["project"] == 'my "best" app'
    assert "now continue project 'team app'" in texts(use.outputs)
    assert record_of(again)["project"] == "team app"
    for cell, magic, line in ((unclosed, "%%vibe", '-p "open'), (unclosed_line, "%vibe", "use 'open")):
        error = error_of(cell)
        assert error["ename"] == "InputError", error
        assert error["evalue"].startswith(f"The {magic} line has an unclosed quote: {line!r}."), error
        assert not any("site-packages" in frame or "magics/args.py" in frame for frame in error["traceback"])
    assert len(fake_model.requests) == 2  # the bad cells asked nothing
