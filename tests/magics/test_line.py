"""`%vibe` line commands in a real kernel, and `%%vibe` in a plain IPython terminal (no widgets)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import nbformat
import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from tests.magics.conftest import error_of, execute, notebook, record_of, texts
from vibing2_lab.notebook.record import METADATA_KEY
from vibing2_lab.notebook.render import render_bundle

pytestmark = pytest.mark.kernel


def data(cell: nbformat.NotebookNode, mimetype: str = "text/plain") -> str:
    return "\n".join(o["data"].get(mimetype, "") for o in cell.outputs if o.output_type == "display_data")


def test_line_commands(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="an answer"))
    nb = execute(notebook("%vibe --help", "%vibe agents", "%vibe agents search sql joins", "%vibe use shop",
                          "%%vibe\nhello", "%vibe history", "%vibe projects", "%vibe new", "%vibe history",
                          "%vibe models", "%vibe stats", "%vibe bogus"))
    (help_, agents, search, use, ask, history, projects, new, empty, models, stats, bogus) = nb.cells[1:]
    assert all(error_of(c) is None for c in nb.cells[1:-1]), [error_of(c) for c in nb.cells[1:-1]]
    assert "agents search Q" in texts(help_.outputs) and "--no-interpolate" in texts(help_.outputs)
    assert "data-analyst" in data(agents) and "<table>" in data(agents, "text/html")
    assert data(search).splitlines()[3].startswith("sql-expert")  # caption, header, rule, best match
    assert "now continue project 'shop'" in texts(use.outputs)
    assert record_of(ask)["project"] == "shop"
    assert "── user ──\nhello" in data(history) and "── assistant ──\nan answer" in data(history)
    assert any(line.startswith("*  shop") for line in data(projects).splitlines())
    assert "conversation 2 started" in texts(new.outputs)
    assert "has no conversation yet" in texts(empty.outputs) or data(empty) == ""
    assert "yes, from environment variable ANTHROPIC_API_KEY" in data(models)
    assert "sk-ant-fake-test-key" not in nbformat.writes(nb)
    assert data(stats).splitlines()[0].split()[:3] == ["agent", "model", "runs"]
    assert "<svg" in data(stats, "image/svg+xml") + data(stats, "text/html")
    assert error_of(bogus)["ename"] == "InputError" and "agents" in error_of(bogus)["evalue"]


TERMINAL = textwrap.dedent("""
    import json
    from IPython.testing.globalipapp import start_ipython
    from IPython.utils.capture import capture_output

    ip = start_ipython()
    ip.run_line_magic("load_ext", "vibing2_lab")
    with capture_output() as cap:
        result = ip.run_cell("%%vibe --agents sql-expert,code-reviewer -p term\\nCount rows?")
    print(json.dumps({"stdout": cap.stdout, "error": repr(result.error_in_exec),
                      "outputs": [{"data": o.data, "metadata": o.metadata} for o in cap.outputs]}))
""")


def test_terminal_streams_text_and_still_publishes_the_record(fake_model: FakeModelServer) -> None:
    fake_model.respond = lambda req: Reply(text="Use COUNT(*)." if "an SQL expert" in (req.body.get("system") or "")
                                           else "Looks good.", delay=0.01)
    out = subprocess.run([sys.executable, "-c", TERMINAL], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["error"] == "None"
    stdout = result["stdout"]
    assert "── sql-expert ──\nUse COUNT(*).\n" in stdout
    assert "── code-reviewer ──\nLooks good.\n" in stdout
    assert "[sql-expert · anthropic:claude-sonnet-4-5 · complete" in stdout
    (output,) = result["outputs"]
    record = output["metadata"][METADATA_KEY]
    assert record["mode"] == "fanout" and record["project"] == "term"
    expected = render_bundle(record)
    assert output["data"] == {"text/markdown": expected["text/markdown"], "text/html": expected["text/html"]}
