"""Reproducible sessions: a notebook run live, then replayed offline, gives identical outputs."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer, Reply
from tests.magics.conftest import error_of, execute, notebook
from vibing2_lab.notebook.rerun import comparable, diff_notebooks, replay_notebook

ANSWER = "Sure:\n\n```python\nprint('héllo 🌍')\n```\n"


def respond(request) -> Reply:
    system = (request.body.get("system") or "")[:40]
    return Reply(text=f"{ANSWER}\n(agent prompt starts: {system!r})", delay=0.001, first_delay=0.05)


def run_live(path: Path, nb) -> None:
    with FakeModelServer() as fake:
        fake.respond = respond
        import os

        os.environ["ANTHROPIC_BASE_URL"] = fake.url
        execute(nb, cwd=path.parent)
    path.write_text(nbformat.writes(nb), encoding="utf-8")


@pytest.fixture
def live_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-live-key")


def test_live_then_offline_replay_is_byte_identical(tmp_path: Path, live_env: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # replaced while live; dead afterwards
    nb = notebook("x = {'a': 1}",
                  "%%vibe --agent notebook-tutor\nExplain {x} and keep {\"literal\": true}",
                  "%%vibe --agents sql-expert,data-analyst\nCount rows per day",
                  "%%vibe --agents sql-expert,code-reviewer --chain\nWrite then review a query")
    path = tmp_path / "session.ipynb"
    run_live(path, nb)
    saved = json.loads(path.read_text())
    assert sum(1 for c in saved["cells"] for o in c.get("outputs", []) if "vibing2_lab" in o.get("metadata", {})) == 3
    # The fake server is stopped and the base URL points nowhere: only the records can answer.
    assert replay_notebook(path) == []
    replayed_path = tmp_path / "replayed.ipynb"
    monkeypatch.setenv("VIBING2_LAB_MODE", "replay")
    monkeypatch.setenv("VIBING2_LAB_REPLAY_NOTEBOOK", str(path))
    monkeypatch.setenv("VIBING2_LAB_REPLAY_PACE", "0")
    replayed = execute(nbformat.reads(path.read_text(), as_version=4), cwd=tmp_path)
    replayed_path.write_text(nbformat.writes(replayed), encoding="utf-8")
    for old, new in zip(saved["cells"], json.loads(replayed_path.read_text())["cells"]):
        if old["cell_type"] == "code":
            a = json.dumps(comparable(old["outputs"]), sort_keys=True).encode()
            b = json.dumps(comparable(new["outputs"]), sort_keys=True).encode()
            assert a == b, old["source"]


def test_strict_replay_names_a_changed_agent_and_both_hashes(tmp_path: Path, live_env: None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    agents = tmp_path / "agents"
    agents.mkdir()
    agent_file = agents / "haiku-poet.md"
    agent_file.write_text("---\nname: haiku-poet\ndescription: writes haiku\n---\nAnswer in haiku.\n")
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(agents))
    path = tmp_path / "poem.ipynb"
    run_live(path, notebook("%%vibe --agent haiku-poet\nA poem about tests"))
    import hashlib

    old = hashlib.sha256(agent_file.read_bytes()).hexdigest()
    agent_file.write_text("---\nname: haiku-poet\ndescription: writes haiku\n---\nAnswer in limericks.\n")
    new = hashlib.sha256(agent_file.read_bytes()).hexdigest()
    monkeypatch.setenv("VIBING2_LAB_MODE", "replay")
    monkeypatch.setenv("VIBING2_LAB_REPLAY_NOTEBOOK", str(path))
    monkeypatch.setenv("VIBING2_LAB_REPLAY_PACE", "0")
    replayed = execute(nbformat.reads(path.read_text(), as_version=4), cwd=tmp_path)
    error = error_of(replayed.cells[1])
    assert error is not None and error["ename"] == "ReplayError"
    assert "haiku-poet" in error["evalue"] and old in error["evalue"] and new in error["evalue"]
    out = run_cli("replay", str(path))
    assert out.returncode == 1 and "replayed differently" in out.stderr


def test_replay_cli_reports_an_edited_output(tmp_path: Path, live_env: None, monkeypatch) -> None:
    path = tmp_path / "s.ipynb"
    run_live(path, notebook("%%vibe --agent notebook-tutor\nWhat is a set?"))
    assert run_cli("replay", str(path)).returncode == 0
    nb = json.loads(path.read_text())
    nb["cells"][1]["outputs"][0]["data"]["text/plain"] = "tampered"
    path.write_text(json.dumps(nb))
    out = run_cli("replay", str(path))
    assert out.returncode == 1 and "cell" in out.stderr
    assert diff_notebooks(nb, json.loads(json.dumps(nb))) == []
