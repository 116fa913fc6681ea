"""`%%vibe` and `%vibe` in a plain IPython terminal (no widgets) print outside text with its
control characters shown inertly: the streamed answer (escape sequences split across chunks),
`%vibe history` and `%vibe agents` (text/plain, which a terminal prints as it is), and the
text/plain of a record's static rendering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.fakes.model_server import FakeModelServer, Reply
from tests.session.test_cli_terminal import ACTED_ON, HOSTILE_AGENT, TOKENS
from vibing2_lab.notebook.render import render_bundle

TERMINAL = textwrap.dedent("""
    import json
    from IPython.testing.globalipapp import start_ipython
    from IPython.utils.capture import capture_output

    ip = start_ipython()
    ip.run_line_magic("load_ext", "vibing2_lab")
    with capture_output() as cap:
        result = ip.run_cell("%%vibe -p esc\\nhi")
        ip.run_line_magic("vibe", "history esc")
        ip.run_line_magic("vibe", "agents")
    print(json.dumps({"stdout": cap.stdout, "stderr": cap.stderr, "error": repr(result.error_in_exec),
                      "plain": [o.data.get("text/plain", "") for o in cap.outputs]}))
""")


def test_the_terminal_magics_print_control_characters_inertly(fake_model: FakeModelServer, tmp_path: Path) -> None:
    (tmp_path / "clip-agent.md").write_text(HOSTILE_AGENT, encoding="utf-8")
    fake_model.enqueue(Reply(tokens=TOKENS, delay=0.01))
    out = subprocess.run([sys.executable, "-c", TERMINAL], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "VIBING2_LAB_AGENTS_PATH": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["error"] == "None"
    history, agents = [text for text in result["plain"] if text]
    for text in (result["stdout"], result["stderr"], history, agents):
        assert not ACTED_ON.search(text), ACTED_ON.findall(text)
    assert "Hello \\u001b]52;c;QUJD\\u0007" in result["stdout"] and "Hello \\u001b]52;c;QUJD\\u0007" in history
    assert "clip-agent" in agents and "Clears \\u001b[2J" in agents


def test_a_record_s_text_plain_shows_control_characters_inertly() -> None:
    record = {"schema": 1, "mode": "single", "format": "markdown", "prompt": "q", "calls": [
        {"request": {}, "response": {"status": "error", "text": "".join(TOKENS),
                                     "error": {"kind": "overloaded", "message": "busy \x1b]0;t\x07"}}}]}
    plain = render_bundle(record)["text/plain"]
    assert not ACTED_ON.search(plain), ACTED_ON.findall(plain)
    assert "Hello \\u001b]52;c;QUJD" in plain and "busy \\u001b]0;t\\u0007" in plain
