"""Agent tools through the server (the sidebar's agent mode), against a real Jupyter server, a
real kernel started by its kernel manager, and the fake model server scripted to call tools:
confinement to the root, consent over the stream (allow, deny, timeout), the live-notebook
round trip, Stop / a client leaving mid-tool, and a busy or dead kernel."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.model_server import FakeModelServer, Reply, tool_results
from tests.server.test_stream_cancel import Events, eventually, live_stream, stored_answer
from tests.tools.conftest import write_agent
from vibing2_lab.store import Store

CONSENT_TIMEOUT = 1.5  # s (c.Vibing2Lab.consent_timeout for this module's server)
TOOLS = "[Python, Variables, Read, Glob, Grep, Write, NotebookRead, NotebookEdit]"


@pytest.fixture
def jp_server_config() -> dict:
    return {"ServerApp": {"jpserver_extensions": {"vibing2_lab": True}},
            "Vibing2Lab": {"consent_timeout": CONSENT_TIMEOUT}}


@pytest.fixture(autouse=True)
def sidebar_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    folder = tmp_path / "agents"
    folder.mkdir()
    write_agent(folder, "nbagent", TOOLS)
    monkeypatch.setenv("VIBING2_LAB_AGENTS_PATH", str(folder))
    return "nbagent"


async def start_kernel(km: Any) -> str:
    kernel_id = await km.start_kernel()
    client = km.get_kernel(kernel_id).client()
    client.start_channels()
    await client.wait_for_ready(timeout=30)
    reply = await client.execute_interactive("import pandas as pd\ndf = pd.DataFrame({'x': [1, 2, 3, 4], 'y': list('abcd')})",
                                             timeout=30)
    assert reply["content"]["status"] == "ok"
    client.stop_channels()
    return kernel_id


@pytest.fixture
def kernel(jp_serverapp: Any, jp_asyncio_loop: Any) -> Any:
    """A kernel started by the server's own kernel manager, holding `df`."""
    km = jp_serverapp.kernel_manager
    kernel_id = jp_asyncio_loop.run_until_complete(start_kernel(km))
    yield kernel_id
    if kernel_id in km:
        jp_asyncio_loop.run_until_complete(km.shutdown_kernel(kernel_id, now=True))


def body(kernel_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"prompt": "Look at df", "agent": "nbagent", "project": "nbproj",
            "notebook": {"path": "analysis.ipynb", "kernel_id": kernel_id}, **extra}


def results(events: Events) -> list[dict[str, Any]]:
    return [data for kind, data in events.seen if kind == "tool_result"]


async def answer(stream_url: str, headers: dict[str, str], stream_id: str, route: str, data: dict[str, Any]) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{stream_url}/{stream_id}/{route}", headers=headers, content=json.dumps(data))
        return response.status_code


async def run_to_end(events: Events, stream_url: str, headers: dict[str, str], *,
                     consent: str | None = None, notebook: dict[str, Any] | None = None) -> None:
    """Read the stream to its end, answering consent questions and notebook requests."""
    stream_id = None
    while True:
        try:
            kind, data = await events.next()
        except StopAsyncIteration:
            return
        stream_id = stream_id or data.get("stream_id")
        if kind == "consent" and consent is not None:
            assert await answer(stream_url, headers, stream_id, "consent",
                                {"request_id": data["request_id"], "verdict": consent, "reason": "not now"}) == 200
        if kind == "notebook_request" and notebook is not None:
            assert await answer(stream_url, headers, stream_id, "notebook",
                                {"request_id": data["request_id"], "result": notebook}) == 200


async def test_variables_and_python_run_on_the_notebook_kernel(
        fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str], kernel: str) -> None:
    fake_model.enqueue(Reply(text="Checking.", tool_uses=[{"name": "Variables", "input": {"name": "df"}}]),
                       Reply(tool_uses=[{"name": "Python", "input": {"code": "print('rows', len(df))\nint(df['x'].sum()) * 10"}}]),
                       Reply(text="The answer is 100."))
    async with live_stream(stream_url, auth_headers, body(kernel)) as events:
        await run_to_end(events, stream_url, auth_headers, consent="once")
    variables, python = results(events)
    assert variables["status"] == "ok" and "x: int64" in variables["content"] and "pandas" in variables["content"]
    assert python["status"] == "ok" and "rows 4" in python["content"] and "100" in python["content"]
    [consent] = [d for k, d in events.seen if k == "consent"]
    assert consent["name"] == "Python" and consent["description"].startswith("print('rows'")
    assert [r["content"] for r in tool_results(fake_model.requests[2])][-1].endswith("result:\n100")
    assert events.seen[-1][1]["text"].endswith("The answer is 100.")
    [run] = Store.open().runs(project_id=Store.open().get_project("nbproj").id)
    steps = Store.open().run_steps(run.id)
    assert [(s["name"], s["status"]) for s in steps] == [("Variables", "ok"), ("Python", "ok")]
    # exported like a %%vibe cell: the record carries the steps (and the static rendering shows them)
    from vibing2_lab.notebook.export import export_notebook
    from vibing2_lab.notebook.record import METADATA_KEY

    cell = export_notebook(Store.open(), "nbproj")["cells"][-1]
    record = cell["outputs"][0]["metadata"][METADATA_KEY]
    recorded = [r for step in record["calls"][0]["response"]["steps"] for r in step["results"]]
    assert [(r["name"], r["consent"]["verdict"]) for r in recorded] == [("Variables", "once"), ("Python", "once")]
    assert "Python" in cell["outputs"][0]["data"]["text/markdown"]


async def test_deny_and_consent_timeout_tell_the_model(
        fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str], kernel: str) -> None:
    call = {"name": "Python", "input": {"code": "open('made.txt', 'w').write('x')"}}
    fake_model.enqueue(Reply(tool_uses=[call]), Reply(text="ok, I will not."))
    async with live_stream(stream_url, auth_headers, body(kernel)) as events:
        await run_to_end(events, stream_url, auth_headers, consent="deny")
    [denied] = results(events)
    assert denied["status"] == "denied" and "not now" in denied["content"]
    assert "not now" in tool_results(fake_model.requests[1])[0]["content"]

    fake_model.enqueue(Reply(tool_uses=[call]), Reply(text="nobody answered."))
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with live_stream(stream_url, auth_headers, body(kernel)) as events:
        await run_to_end(events, stream_url, auth_headers)  # nobody answers
    waited = loop.time() - started
    [timed_out] = results(events)
    assert timed_out["status"] == "denied" and f"within {CONSENT_TIMEOUT:g} s" in timed_out["content"]
    assert CONSENT_TIMEOUT <= waited < CONSENT_TIMEOUT + 8
    assert f"within {CONSENT_TIMEOUT:g} s" in tool_results(fake_model.requests[3])[0]["content"]
    assert not list(Path.cwd().glob("made.txt"))


async def test_file_tools_stay_in_the_root(fake_model: FakeModelServer, stream_url: str,
                                           auth_headers: dict[str, str], jp_root_dir: Path) -> None:
    (jp_root_dir / "data.csv").write_text("a,b\n1,2\n")
    (jp_root_dir / ".secret").write_text("hidden")
    outside = jp_root_dir.parent / "outside.txt"
    outside.write_text("not yours")
    (jp_root_dir / "link.txt").symlink_to(outside)
    reads = ["data.csv", "/etc/passwd", "../outside.txt", "link.txt", ".secret"]
    fake_model.enqueue(Reply(tool_uses=[{"name": "Read", "input": {"file_path": p}} for p in reads]
                             + [{"name": "Glob", "input": {"pattern": "**/*"}}]),
                       Reply(text="done"))
    async with live_stream(stream_url, auth_headers, body()) as events:
        await run_to_end(events, stream_url, auth_headers)
    got = results(events)
    assert got[0]["status"] == "ok" and "1,2" in got[0]["content"]
    for refused in got[1:5]:
        assert refused["status"] == "error" and "Refused" in refused["content"], refused
    assert "hidden" in got[4]["content"]
    listed = got[5]["content"].splitlines()
    assert "data.csv" in listed and ".secret" not in listed and "link.txt" not in listed
    assert all("not yours" not in r["content"] and "root:" not in r["content"] for r in got)


async def test_notebook_edit_goes_through_the_sidebar(fake_model: FakeModelServer, stream_url: str,
                                                      auth_headers: dict[str, str], jp_root_dir: Path) -> None:
    edit = {"name": "NotebookEdit", "input": {"edit_mode": "insert", "new_source": "df.describe()"}}
    fake_model.enqueue(Reply(tool_uses=[edit]), Reply(text="added"))
    async with live_stream(stream_url, auth_headers, body()) as events:
        await run_to_end(events, stream_url, auth_headers, consent="once",
                         notebook={"ok": True, "message": "Inserted a code cell (id c1) at index 0."})
    [request] = [d for k, d in events.seen if k == "notebook_request"]
    assert request["op"] == "edit" and request["input"]["new_source"] == "df.describe()"
    assert request["path"] == "analysis.ipynb"
    [result] = results(events)
    assert result["status"] == "ok" and "Inserted a code cell" in result["content"]
    assert not (jp_root_dir / "analysis.ipynb").exists()  # the file is never written by the server

    fake_model.enqueue(Reply(tool_uses=[edit]), Reply(text="refused"))
    async with live_stream(stream_url, auth_headers, body()) as events:
        await run_to_end(events, stream_url, auth_headers, consent="once",
                         notebook={"ok": False, "error": "No cell with id 'zz'."})
    [result] = results(events)
    assert result["status"] == "error" and "No cell with id" in result["content"]


async def test_a_notebook_answer_of_the_wrong_shape_is_a_clear_tool_error(
        fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str]) -> None:
    """Was: "NotebookRead failed: TypeError: 'int' object is not iterable" for `"outputs": 5`."""
    fake_model.enqueue(Reply(tool_uses=[{"name": "NotebookRead", "input": {}}]), Reply(text="ok"))
    async with live_stream(stream_url, auth_headers, body()) as events:
        await run_to_end(events, stream_url, auth_headers, consent="once",
                         notebook={"ok": True, "cells": [{"source": "x", "outputs": 5}]})
    [result] = results(events)
    assert result["status"] == "error" and "The front end sent no cell list" in result["content"], result
    assert events.seen[-1][0] == "complete"


async def test_an_answer_to_nothing_is_404(api: Any, fake_model: FakeModelServer, stream_url: str,
                                           auth_headers: dict[str, str]) -> None:
    fake_model.enqueue(Reply(tool_uses=[{"name": "NotebookEdit", "input": {"new_source": "x"}}]), Reply(text="."))
    async with live_stream(stream_url, auth_headers, body()) as events:
        await events.until(lambda seen: any(k == "consent" for k, _ in seen))
        stream_id = events.seen[0][1]["stream_id"]
        assert await answer(stream_url, auth_headers, stream_id, "consent",
                            {"request_id": "nope", "verdict": "once"}) == 404
        assert await answer(stream_url, auth_headers, stream_id, "consent",
                            {"request_id": "nope", "verdict": "sure"}) == 400
        await run_to_end(events, stream_url, auth_headers, consent="deny")
    assert (await api("POST", f"stream/{stream_id}/consent", {"request_id": "x", "verdict": "once"})).status == 404


async def test_stop_while_waiting_for_consent_ends_both(
        api: Any, fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str], kernel: str) -> None:
    fake_model.enqueue(Reply(tool_uses=[{"name": "Python", "input": {"code": "open('stop.txt', 'w')"}}]),
                       Reply(text="never"))
    async with live_stream(stream_url, auth_headers, body(kernel)) as events:
        await events.until(lambda seen: any(k == "consent" for k, _ in seen))
        stream_id = events.seen[0][1]["stream_id"]
        assert (await api("POST", f"stream/{stream_id}/stop")).status == 200
        await events.rest()
    [step] = results(events)
    assert step["status"] == "denied" and "stopped" in step["content"]
    assert events.seen[-1][0] == "error" and events.seen[-1][1]["status"] == "cancelled"
    assert len(fake_model.requests) == 1  # the model was not asked again


async def test_client_leaving_mid_tool_interrupts_the_kernel(
        fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str], kernel: str,
        jp_serverapp: Any) -> None:
    fake_model.enqueue(Reply(tool_uses=[{"name": "Python", "input": {"code": "import time\ntime.sleep(60)"}}]),
                       Reply(text="never"))
    async with live_stream(stream_url, auth_headers, body(kernel, allow=["Python"])) as events:
        await events.until(lambda seen: any(k == "tool_use" for k, _ in seen))
        km = jp_serverapp.kernel_manager.get_kernel(kernel)
        assert await eventually(lambda: km.execution_state == "busy")
    # the client has left: the kernel is interrupted, the answer stored as cancelled, no next request
    assert await eventually(lambda: km.execution_state == "idle", timeout=10)
    stored = await eventually(lambda: stored_answer("nbproj"))
    assert stored is not None and stored.status == "cancelled"
    [run] = Store.open().runs(project_id=Store.open().get_project("nbproj").id)
    [step] = Store.open().run_steps(run.id)
    assert step["name"] == "Python" and "Interrupted" in step["content"]
    assert len(fake_model.requests) == 1


async def test_busy_and_dead_kernels_are_clear_tool_errors(
        fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str], kernel: str,
        jp_serverapp: Any) -> None:
    km = jp_serverapp.kernel_manager.get_kernel(kernel)
    client = km.client()
    client.start_channels()
    client.execute("import time; time.sleep(4)")  # the user's own long cell
    assert await eventually(lambda: km.execution_state == "busy")
    fake_model.enqueue(Reply(tool_uses=[{"name": "Variables", "input": {}}]), Reply(text="busy"))
    async with live_stream(stream_url, auth_headers, body(kernel)) as events:
        await run_to_end(events, stream_url, auth_headers)
    [busy] = results(events)
    assert busy["status"] == "error" and "busy running a cell" in busy["content"]
    client.stop_channels()

    os.kill(km.provisioner.process.pid, signal.SIGKILL)
    assert await eventually(lambda: km.provisioner.process.poll() is not None)
    fake_model.enqueue(Reply(tool_uses=[{"name": "Python", "input": {"code": "1"}}]), Reply(text="dead"))
    async with live_stream(stream_url, auth_headers, body(kernel, allow=["Python"])) as events:
        await run_to_end(events, stream_url, auth_headers)
    [dead] = results(events)
    assert dead["status"] == "error" and "dead" in dead["content"], dead

    await jp_serverapp.kernel_manager.shutdown_kernel(kernel, now=True)
    fake_model.enqueue(Reply(tool_uses=[{"name": "Python", "input": {"code": "1"}}]), Reply(text="gone"))
    async with live_stream(stream_url, auth_headers, body(kernel, allow=["Python"])) as events:
        await run_to_end(events, stream_url, auth_headers)
    [gone] = results(events)
    assert gone["status"] == "error" and f"There is no kernel {kernel}" in gone["content"]


async def test_consent_route_needs_xsrf_with_cookie_auth(
        fake_model: FakeModelServer, jp_base_url: str, jp_http_port: int, jp_serverapp: Any,
        http_server_client: Any) -> None:
    """A real login cookie without the XSRF header is refused (403); with it the route answers."""
    base = f"http://localhost:{jp_http_port}{jp_base_url}"
    token = jp_serverapp.identity_provider.token
    async with httpx.AsyncClient(timeout=10) as client:
        await client.get(f"{base}login")
        xsrf = client.cookies.get("_xsrf")
        login = await client.post(f"{base}login", data={"password": token, "_xsrf": xsrf})
        assert login.status_code in (200, 302)
        url = f"{base}vibing2-lab/api/stream/some-id/consent"
        data = json.dumps({"request_id": "r", "verdict": "once"})
        assert (await client.post(url, content=data)).status_code == 403
        assert (await client.post(url, content=data, headers={"X-XSRFToken": xsrf})).status_code == 404
        assert (await client.get(f"{base}vibing2-lab/api/stream")).status_code == 200  # the cookie is a login


async def test_a_reopened_conversation_has_its_tool_steps(api: Any, fake_model: FakeModelServer, stream_url: str,
                                                          auth_headers: dict[str, str], jp_root_dir: Path) -> None:
    """GET projects/ID gives each answer the steps its live events showed (the sidebar redraws
    them when a conversation is reopened): name, input, status, the same cut result, a duration."""
    (jp_root_dir / "data.csv").write_text("a,b\n1,2\n" + "9,9\n" * 500)
    fake_model.enqueue(Reply(tool_uses=[{"name": "Read", "input": {"file_path": "data.csv"}},
                                        {"name": "Read", "input": {"file_path": "/etc/passwd"}}]),
                       Reply(text="done"))
    async with live_stream(stream_url, auth_headers, body()) as events:
        await run_to_end(events, stream_url, auth_headers)
    live = results(events)
    project = (await api("GET", f"projects/{Store.open().get_project('nbproj').id}")).json
    [answer] = [m for m in project["messages"] if m["role"] == "assistant"]
    steps = answer["steps"]
    assert [(s["name"], s["input"], s["status"]) for s in steps] == [
        ("Read", {"file_path": "data.csv"}, "ok"), ("Read", {"file_path": "/etc/passwd"}, "error")]
    assert [s["content"] for s in steps] == [r["content"] for r in live]  # what the live events showed
    assert "more characters not shown" in steps[0]["content"]  # cut as the live preview is
    assert all(isinstance(s["duration"], float) and s["duration"] >= 0 for s in steps)
    [prompt] = [m for m in project["messages"] if m["role"] == "user"]
    assert prompt["steps"] == []


def test_restored_steps_read_a_record_of_the_wrong_shape_without_failing() -> None:
    from vibing2_lab.server.serialize import restored_steps

    good = {"id": "t1", "name": "Bash", "input": {"command": "x" * 5000}, "status": "ok", "content": "fine",
            "duration": 0.5}
    meta = {"record": {"response": {"steps": [
        {"results": [good, "junk", {"name": 3, "content": "x"}, {"name": "Read", "content": None},
                     {**good, "status": "exploded", "duration": True, "input": ["not", "a", "dict"]}]},
        "junk", {"results": {"not": "a list"}}]}}}
    first, second = restored_steps(meta)
    assert first["name"] == "Bash" and first["content"] == "fine" and first["duration"] == 0.5
    assert len(first["input"]["command"]) < 2100 and "input cut" in first["input"]["command"]
    assert (second["status"], second["duration"], second["input"]) == ("error", None, {})
    for junk in (None, {}, {"record": "x"}, {"record": {"response": []}}, {"record": {"response": {"steps": 7}}}):
        assert restored_steps(junk) == []
