"""Outside text that the CLI writes to a terminal shows its control characters inertly: a model
answer streamed against the fake model server (escape sequences split across chunks), an
upstream error text, agent files' fields, a stored conversation. No ESC, no other C0 control
but newline and tab, no DEL and no C1 control reaches stdout or stderr; `--json` stays valid
JSON that decodes to the very text the model sent."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.model_server import FakeModelServer, Reply

# What a terminal acts on: C0 but \t and \n, DEL, C1 (U+0080-U+009F, e.g. U+009B = CSI).
ACTED_ON = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Each sequence cut in two, so its halves arrive in different chunks (tokens are separate writes).
TOKENS = ["Hello \x1b", "]52;c;QUJD", "\x07 a \x1b]8;;https://evil.example", "\x07link\x1b]8;;\x07 ",
          "\x1b[2", "J screen \x1b]0;pwned", "\x07 title \u009b", "31m red \r over\x7f", " done\n\ttabbed"]
ANSWER = "".join(TOKENS)


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[str, str, int]:
    """Run the CLI; stdout and stderr as UTF-8 (strict: a stray byte fails the test)."""
    done = subprocess.run([sys.executable, "-m", "vibing2_lab.cli", *args], capture_output=True,
                          env={**os.environ, **(env or {})}, timeout=60)
    return done.stdout.decode("utf-8"), done.stderr.decode("utf-8"), done.returncode


def assert_inert(*texts: str) -> None:
    for text in texts:
        assert not ACTED_ON.search(text), ACTED_ON.findall(text)


def test_a_streamed_answer_split_across_chunks_reaches_stdout_inert(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(tokens=TOKENS, delay=0.02))
    out, err, code = cli("ask", "--project", "esc", "hi")
    assert code == 0, err
    assert_inert(out, err)
    assert "Hello \\u001b]52;c;QUJD\\u0007 a \\u001b]8;;https://evil.example\\u0007link" in out
    assert "\\u001b[2J screen" in out and "\\u009b31m red \\u000d over\\u007f done\n\ttabbed" in out


def test_json_events_stay_valid_and_carry_the_exact_text(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(tokens=TOKENS, delay=0.01))
    out, err, code = cli("ask", "--json", "hi")
    assert code == 0, err
    assert_inert(out, err)
    events = [json.loads(line) for line in out.splitlines()]
    assert "".join(e["text"] for e in events if e["type"] == "token") == events[-1]["text"] == ANSWER


def test_an_upstream_error_text_reaches_stderr_inert(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="part one part two", fault="error_event", after=2,
                             error_message="Overloaded \x1b]52;c;QUJD\x07\u009b2J"))
    out, err, code = cli("ask", "go")
    assert code == 1
    assert_inert(out, err)
    assert "Overloaded \\u001b]52;c;QUJD\\u0007\\u009b2J" in err


def test_a_stored_conversation_shown_by_projects_show_is_inert(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(tokens=TOKENS))
    assert cli("ask", "--project", "kept", "hi")[2] == 0
    out, err, code = cli("projects", "show", "kept")
    assert code == 0, err
    assert_inert(out, err)
    assert "Hello \\u001b]52;c;QUJD" in out


HOSTILE_AGENT = ('---\nname: clip-agent\n'
                 'description: "Clears \\e[2J the screen, \\x9b31m csi, \\e]8;;http://evil\\a link, zebra"\n'
                 'category: "cat\\e]52;c;QUJD\\a"\n'
                 '---\nBody \x1b]0;retitled\x07 zebra \u009b2J\n')


@pytest.fixture
def agents_path(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "clip-agent.md").write_text(HOSTILE_AGENT, encoding="utf-8")
    return {"VIBING2_LAB_AGENTS_PATH": str(tmp_path)}


@pytest.mark.parametrize("args", [("agents", "list"), ("agents", "search", "zebra"), ("agents", "show", "clip-agent")])
def test_agent_fields_are_shown_inert(args: tuple[str, ...], agents_path: dict[str, str]) -> None:
    out, err, code = cli(*args, env=agents_path)
    assert code == 0, err
    assert_inert(out, err)
    assert "clip-agent" in out


def test_agents_list_json_is_inert_and_decodes_to_the_file_s_fields(agents_path: dict[str, str]) -> None:
    out, err, code = cli("agents", "list", "--json", env=agents_path)
    assert code == 0, err
    assert_inert(out, err)
    (row,) = [r for r in json.loads(out) if r["name"] == "clip-agent"]
    assert row["description"] == "Clears \x1b[2J the screen, \u009b31m csi, \x1b]8;;http://evil\x07 link, zebra"
    assert row["category"] == "cat\x1b]52;c;QUJD\x07"
