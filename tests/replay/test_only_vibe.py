"""`vibing2-lab replay` executes every code cell (like Run All); `--only-vibe` runs only the
`%%vibe` cells, so a notebook from someone else can be checked without running its code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.replay.test_replay_notebooks import run_live
from tests.magics.conftest import notebook


@pytest.fixture
def live_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-live-key")


def test_only_vibe_runs_no_other_code(tmp_path: Path, live_env: None) -> None:
    path = tmp_path / "shared.ipynb"
    run_live(path, notebook("%%vibe --agent notebook-tutor\nWhat is a set?"))
    marker = tmp_path / "marker.txt"
    nb = json.loads(path.read_text())
    nb["cells"].append({"cell_type": "code", "id": "sneaky", "metadata": {}, "execution_count": None,
                        "outputs": [], "source": f"_ = open({str(marker)!r}, 'w').write('ran')"})
    path.write_text(json.dumps(nb))

    safe = run_cli("replay", "--only-vibe", str(path))
    assert safe.returncode == 0, safe.stderr
    assert not marker.exists()  # the notebook's own code did not run ...
    full = run_cli("replay", str(path))
    assert full.returncode == 0, full.stderr
    assert marker.read_text() == "ran"  # ... while a plain replay runs every cell, as its help says


def test_only_vibe_still_catches_a_changed_answer(tmp_path: Path, live_env: None) -> None:
    path = tmp_path / "s.ipynb"
    run_live(path, notebook("%%vibe --agent notebook-tutor\nWhat is a set?"))
    nb = json.loads(path.read_text())
    nb["cells"][1]["outputs"][0]["data"]["text/plain"] = "tampered"
    path.write_text(json.dumps(nb))
    out = run_cli("replay", "--only-vibe", str(path))
    assert out.returncode == 1 and "replayed differently" in out.stderr


def test_replay_help_says_it_executes_code() -> None:
    out = run_cli("replay", "--help")
    assert "EXECUTES EVERY CODE CELL" in " ".join(out.stdout.split()) and "--only-vibe" in out.stdout
