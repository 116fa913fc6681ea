"""Notebooks from outside that the record schema alone did not stop (the hostile-notebooks audit):
JSON nested past the decoder's limit, numbers too large for a float, lone surrogates, and values
shaped like API keys. Each is refused with one ExportError naming the cell and the field, the key
is never quoted back, and nothing is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PLANTED_KEY, run_cli
from tests.session.test_tampered_records import _record, exported  # noqa: F401 (a fixture)
from vibing2_lab.errors import ExportError, ProjectError, ReplayError, VibeError
from vibing2_lab.notebook.export import import_notebook
from vibing2_lab.session import Ask, Session
from vibing2_lab.store import Store

OTHER_KEY = "AIzaSyPlanted0123456789abcdefghijklmnop"  # a key of another shape than sk-


def _refused(path: Path) -> str:
    """The message of the ExportError importing `path` raises; nothing was stored."""
    with pytest.raises(ExportError) as info:
        import_notebook(Store.open(), path)
    assert info.value.hint
    assert Store.open().list_projects() == []
    return info.value.message


def test_json_nested_past_the_decoders_limit_is_not_a_notebook(tmp_path: Path) -> None:
    path = tmp_path / "deep.ipynb"
    path.write_text('{"cells": [{"outputs": ' + "[" * 100_000 + "]" * 100_000 + "}]}", encoding="utf-8")
    assert "nested too deeply" in _refused(path)  # was a RecursionError traceback
    out = run_cli("projects", "import", str(path))
    assert out.returncode == 1 and "Traceback" not in out.stderr and "nested too deeply" in out.stderr, out.stderr


def test_a_number_too_large_for_a_float_is_refused_not_read_as_infinity(exported: dict[str, Any],  # noqa: F811
                                                                         tmp_path: Path) -> None:
    _record(exported, "cell-b")["calls"][0]["request"]["parameters"]["temperature"] = 12345.5
    path = tmp_path / "inf.ipynb"
    path.write_text(json.dumps(exported).replace("12345.5", "1e309"), encoding="utf-8")
    assert "the number 1e309 is too large" in _refused(path)  # was imported as inf, exported back as null


@pytest.mark.parametrize(("where", "field"), [
    ("text", "calls[0].response.text"),
    ("prompt", "prompt"),
    ("input-key", "calls[0].response.tool_uses[0].input"),
])
def test_a_lone_surrogate_is_refused_naming_the_field(exported: dict[str, Any], tmp_path: Path,  # noqa: F811
                                                      where: str, field: str) -> None:
    record = _record(exported, "cell-b")
    marker = "LONE-SURROGATE-HERE"
    if where == "text":
        record["calls"][0]["response"]["text"] = f"a{marker}b"
    elif where == "prompt":
        record["prompt"] = marker
    else:
        record["calls"][0]["response"]["tool_uses"] = [{"id": "t", "name": "Read", "input": {marker: 1}}]
    path = tmp_path / "surrogate.ipynb"
    path.write_text(json.dumps(exported).replace(marker, "\\ud800"), encoding="utf-8")  # valid JSON, not text
    message = _refused(path)  # was a UnicodeEncodeError traceback from the store
    assert f"cell cell-b: invalid vibing2_lab record: {field}: holds a lone surrogate" in message, message


def _replay_cell_a(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.ExceptionInfo:
    """Strict replay of the first cell from a notebook saved as `text`: the error it raises."""
    path = tmp_path / "replayed.ipynb"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("VIBING2_LAB_REPLAY_NOTEBOOK", str(path))
    session = Session(Ask("one", project="tamper", agent="sql-expert", cell_id="cell-a", replay="strict"))
    list(session.stream())
    with pytest.raises(VibeError) as info:
        session.raise_for_error()
    return info


def test_replay_leaves_out_a_record_with_a_lone_surrogate(exported: dict[str, Any], tmp_path: Path,  # noqa: F811
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _record(exported, "cell-a")["calls"][0]["response"]["text"] = "LONE"
    info = _replay_cell_a(json.dumps(exported).replace('"LONE"', '"\\udfff"'), tmp_path, monkeypatch)
    assert info.type is ReplayError and "1 record(s) refused" in info.value.message
    assert "calls[0].response.text: holds a lone" in info.value.message


KEYED = [  # a key pasted where the schema wants something else: the error must not quote it
    ("agent", lambda r, k: r["calls"][0]["request"].update(agent=k), "calls[0].request.agent"),
    ("status", lambda r, k: r["calls"][0]["response"].update(status=k), "calls[0].response.status"),
    ("mode", lambda r, k: r.update(mode=k), "mode"),
    ("usage-field", lambda r, k: r["calls"][0]["response"]["usage"].update({k: 1}), "calls[0].response.usage"),
    ("tools", lambda r, k: r["calls"][0]["request"].update(tools=[{"key": k}]), "calls[0].request.tools[0]"),
    ("request", lambda r, k: r["calls"][0].update(request=k), "calls[0].request"),
]


@pytest.mark.parametrize("key", [PLANTED_KEY, OTHER_KEY], ids=["sk-key", "other-key"])
@pytest.mark.parametrize(("mutate", "field"), [(m, f) for _, m, f in KEYED], ids=[k[0] for k in KEYED])
def test_a_key_in_a_record_is_never_quoted_in_the_error(exported: dict[str, Any], tmp_path: Path,  # noqa: F811
                                                        mutate: Any, field: str, key: str) -> None:
    mutate(_record(exported, "cell-b"), key)
    path = tmp_path / "keyed.ipynb"
    path.write_text(json.dumps(exported), encoding="utf-8")
    message = _refused(path)
    assert f"cell cell-b: invalid vibing2_lab record: {field}: " in message, message
    assert key not in message and key[:12] not in message, message
    out = run_cli("projects", "import", str(path))
    assert out.returncode == 1 and key[:12] not in out.stderr + out.stdout


def test_a_cell_id_that_is_not_one_is_not_quoted(exported: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    (cell,) = [c for c in exported["cells"] if c.get("id") == "cell-b"]
    cell["id"] = f"{PLANTED_KEY} " + "x" * 100_000  # not an nbformat cell id: named by position instead
    cell["outputs"][0]["metadata"]["vibing2_lab"]["mode"] = "parallel"
    path = tmp_path / "id.ipynb"
    path.write_text(json.dumps(exported), encoding="utf-8")
    message = _refused(path)
    assert f"cell #{exported['cells'].index(cell)}: invalid vibing2_lab record: mode: " in message, message
    assert PLANTED_KEY[:12] not in message and len(message) < 400


def test_a_project_name_in_the_notebook_metadata_with_a_lone_surrogate_is_refused(
        exported: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    exported["metadata"]["vibing2_lab"]["project"] = "LONE"
    path = tmp_path / "named.ipynb"
    path.write_text(json.dumps(exported).replace('"LONE"', '"a\\udfffb"'), encoding="utf-8")
    with pytest.raises(ProjectError, match="control characters"):  # was a UnicodeEncodeError from SQLite
        import_notebook(Store.open(), path)
    assert Store.open().list_projects() == []
    assert import_notebook(Store.open(), path, name="renamed").name == "renamed"  # --name still imports it


def test_a_key_in_a_recorded_error_message_is_not_raised_again(exported: dict[str, Any], tmp_path: Path,  # noqa: F811
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from vibing2_lab.notebook.render import error_output

    record = _record(exported, "cell-a")
    record["calls"][0]["response"].update(status="error", error={"kind": "auth", "message": f"bad key {PLANTED_KEY}"})
    assert PLANTED_KEY not in json.dumps(error_output(record))  # the error output a replay leaves
    info = _replay_cell_a(json.dumps(exported), tmp_path, monkeypatch)
    assert "bad key" in info.value.message and PLANTED_KEY[:12] not in info.value.message


NAMES = [  # printed by `stats` and written into the %%vibe line of an export
    ("agent-escape", lambda c: c["request"]["agent"].update(name="ghost\x1b[31m"), "calls[0].request.agent.name"),
    ("model-newline", lambda c: c["request"].update(model="m\nprint('x')"), "calls[0].request.model"),
    ("provider-bidi", lambda c: c["request"].update(provider="acme\u202e"), "calls[0].request.provider"),
    ("model-huge", lambda c: c["request"].update(model="m" * 10_000), "calls[0].request.model"),
]


@pytest.mark.parametrize(("mutate", "field"), [(m, f) for _, m, f in NAMES], ids=[n[0] for n in NAMES])
def test_a_name_that_would_print_as_something_else_is_refused(exported: dict[str, Any], tmp_path: Path,  # noqa: F811
                                                              mutate: Any, field: str) -> None:
    mutate(_record(exported, "cell-a")["calls"][0])
    path = tmp_path / "names.ipynb"
    path.write_text(json.dumps(exported), encoding="utf-8")
    assert f"cell cell-a: invalid vibing2_lab record: {field}: " in _refused(path)
    out = run_cli("stats")
    assert out.returncode == 0 and "ghost" not in out.stdout and "\x1b" not in out.stdout
