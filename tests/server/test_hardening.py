"""Issue 11 at the server: ids and names never ambiguous (D5), lone surrogates and non-finite
numbers refused by the one body reader with a 400 that says why (D6, D7), and the `system`
field of POST stream bounded like a prompt."""

from __future__ import annotations

import json
import logging

import pytest

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer
from tests.server.conftest import Api
from vibing2_lab.store import Store


async def test_a_digit_name_cannot_take_over_an_id(api: Api) -> None:
    """D5: `important-work` is id N; a project named "N" is refused, and N always means the id."""
    important = (await api("POST", "projects", {"name": "important-work"})).json
    pid = important["id"]
    taken = await api("POST", "projects", {"name": str(pid)})
    assert taken.status == 400 and "digits" in taken.error["message"]
    other = (await api("POST", "projects", {"name": "other"})).json
    renamed = await api("PATCH", f"projects/{other['id']}", {"name": str(pid)})
    assert renamed.status == 400
    assert (await api("GET", f"projects/{pid}")).json["name"] == "important-work"
    streamed = await api("POST", "stream", {"prompt": "hi", "project": str(pid)})
    assert streamed.status == 400 and "digits" in streamed.error["message"]
    assert sorted(p.name for p in Store.open().list_projects()) == ["important-work", "other"]


SURROGATE = '"\\ud800"'  # JSON text: a lone high surrogate escape


@pytest.mark.parametrize("method, path, raw", [
    ("POST", "projects", '{"name": %s}' % SURROGATE),
    ("POST", "stream", '{"prompt": %s}' % SURROGATE),
    ("POST", "stream", '{"prompt": "hi", "system": "a%sb"}' % SURROGATE.strip('"')),
    ("PUT", "projects/{pid}/files", '{"files": {%s: "x"}}' % SURROGATE),
    ("PUT", "projects/{pid}/files", '{"files": {"a.txt": %s}}' % SURROGATE),
    ("POST", "agents/pick", '{"prompt": %s}' % SURROGATE),
])
async def test_lone_surrogate_is_a_clear_400(api: Api, caplog: pytest.LogCaptureFixture,
                                             method: str, path: str, raw: str) -> None:
    """D6: a 400 that names the field, never a 500 with a UnicodeEncodeError traceback."""
    pid = (await api("POST", "projects", {"name": "keep"})).json["id"]
    caplog.set_level(logging.INFO)
    answer = await api(method, path.format(pid=pid), raw=raw.encode())
    assert answer.status == 400, answer.body
    assert answer.error["kind"] == "input" and "surrogate" in answer.error["message"]
    assert "Traceback" not in caplog.text and "UnicodeEncodeError" not in caplog.text
    assert [p.name for p in Store.open().list_projects()] == ["keep"]  # nothing was stored
    assert Store.open().get_project(pid).files == []


@pytest.mark.parametrize("raw", [
    '{"prompt": "hi", "temperature": NaN}',
    '{"prompt": "hi", "temperature": Infinity}',
    '{"prompt": "hi", "temperature": -Infinity}',
    '{"prompt": "hi", "temperature": 1e999}',
    '{"prompt": "hi", "max_tokens": %s}' % ("9" * 5000),
])
async def test_non_finite_numbers_are_refused(api: Api, fake_model: FakeModelServer, raw: str) -> None:
    """D7: refused before anything is sent upstream or stored."""
    answer = await api("POST", "stream", raw=raw.replace('"hi"', '"hi", "project": "nan"').encode())
    assert answer.status == 400, answer.body
    assert answer.error["kind"] == "input"
    assert fake_model.requests == []
    assert Store.open().list_projects() == []


@pytest.mark.parametrize("path", ["projects", "agents/pick", "auth/key"])
async def test_every_body_reader_refuses_nan(api: Api, path: str) -> None:
    answer = await api("POST", path, raw=b'{"name": "x", "prompt": "x", "key": "k", "n": NaN}')
    assert answer.status == 400 and "NaN" in answer.error["message"]


async def test_deep_nesting_is_refused(api: Api) -> None:
    answer = await api("POST", "projects", raw=b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert answer.status == 400 and answer.error["kind"] == "input"


async def test_system_field_has_a_size_limit(api: Api, fake_model: FakeModelServer) -> None:
    answer = await api("POST", "stream", {"prompt": "hi", "system": "s" * 300_000, "project": "sys"})
    assert answer.status == 400 and "system text" in answer.error["message"]
    assert "max_prompt_bytes" in answer.error["message"]
    assert fake_model.requests == [] and Store.open().list_projects() == []


def test_cli_refuses_nan_temperature(fake_model: FakeModelServer) -> None:
    result = run_cli("ask", "--temperature", "nan", "--project", "p", "hello")
    assert result.returncode != 0 and "temperature" in result.stderr and "Traceback" not in result.stderr
    assert fake_model.requests == []


def test_cli_refuses_undecodable_prompt(fake_model: FakeModelServer) -> None:
    import os
    import subprocess
    import sys

    # argv bytes that are not UTF-8 arrive as lone surrogates (surrogateescape)
    result = subprocess.run([sys.executable, "-m", "vibing2_lab.cli", "ask", b"caf\xe9".decode("utf-8", "surrogateescape")],
                            capture_output=True, env=dict(os.environ), timeout=60)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode != 0 and "not valid Unicode" in err and "Traceback" not in err
    assert fake_model.requests == []


def test_config_refuses_nan(vibe_home, fake_model: FakeModelServer) -> None:
    (vibe_home / "config.yaml").write_text("temperature: .nan\n", encoding="utf-8")
    result = run_cli("ask", "hello")
    assert result.returncode != 0 and "`temperature` must be a number" in result.stderr
    assert fake_model.requests == []


def test_export_never_writes_nan(tmp_path) -> None:
    """A NaN stored by an older version is exported as null: the notebook stays valid JSON."""
    store = Store.open()
    project = store.create_project("legacy")
    store.add_message(project.id, "user", "hi")
    record = {"request": {"provider": "anthropic", "model": "m", "parameters": {"temperature": 0.5}},
              "response": {"status": "complete", "text": "ok", "usage": {}, "timings": {"ttft": 0.5}}}
    store.add_message(project.id, "assistant", "ok", meta={"record": record})
    with store._db.write() as conn:  # what an older version could store
        conn.execute("UPDATE messages SET meta = replace(meta, '0.5', 'NaN')")
    from vibing2_lab.notebook.export import export_notebook

    text = json.dumps(export_notebook(store, "legacy"), allow_nan=False)  # raises on NaN
    assert "NaN" not in text


# -- D13: names refused when written; file delete (route and CLI) --------------------------
async def test_put_files_refuses_what_export_would_refuse(api: Api) -> None:
    pid = (await api("POST", "projects", {"name": "files"})).json["id"]
    assert (await api("PUT", f"projects/{pid}/files", {"files": {"Case.txt": "1", "clash": "x"}})).status == 200
    for files in ({"case.txt": "2"}, {"clash/b": "y"}, {"n" * 300: "z"}):
        answer = await api("PUT", f"projects/{pid}/files", {"files": files})
        assert answer.status == 400 and answer.error["kind"] == "export", answer.body
    exported = await api("GET", f"projects/{pid}/export.ipynb")
    assert exported.status == 200


async def test_delete_files_route(api: Api) -> None:
    pid = (await api("POST", "projects", {"name": "del"})).json["id"]
    await api("PUT", f"projects/{pid}/files", {"files": {"index.html": "<p>", "app.js": "1"}})
    missing = await api("DELETE", f"projects/{pid}/files", params={"path": "nope.js"})
    assert missing.status == 404 and missing.error["kind"] == "unknown_file"
    assert (await api("DELETE", f"projects/{pid}/files")).status == 400
    answer = await api("DELETE", f"projects/{pid}/files", params={"path": "app.js"})
    assert answer.status == 200 and [f["path"] for f in answer.json["files"]] == ["index.html"]
    assert [f.path for f in Store.open().get_project(pid).files] == ["index.html"]


def test_cli_rm_file(vibe_home) -> None:
    store = Store.open()
    project = store.create_project("cli-del")
    store.update_files(project.id, {"a.txt": "1", "b.txt": "2"})
    result = run_cli("projects", "rm-file", "cli-del", "a.txt")
    assert result.returncode == 0 and "Deleted 1 file" in result.stdout, result.stderr
    result = run_cli("projects", "rm-file", "cli-del", "zzz.txt")
    assert result.returncode != 0 and "no file 'zzz.txt'" in result.stderr and "Traceback" not in result.stderr
    assert [f.path for f in store.get_project("cli-del").files] == ["b.txt"]


async def test_null_keyring_does_not_claim_stored(api: Api) -> None:
    """Also seen: keyring's null backend accepts a key and keeps nothing: no `stored: true`."""
    import keyring
    from keyring.backends import null

    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        answer = await api("POST", "auth/key", {"provider": "anthropic", "key": "k-fake-not-kept-0123456789"})
    finally:
        keyring.set_keyring(previous)
    assert answer.status == 400, answer.body
    assert "did not keep" in answer.error["message"] and "ANTHROPIC_API_KEY" in answer.error["hint"]
    assert b"k-fake-not-kept" not in answer.body
