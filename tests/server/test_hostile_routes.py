"""A hostile-input audit of the routes: what it found, each pinned by a test that failed before
the fix (integers past 64 bits, non-ASCII digits, a max_cost that overflows, URL bytes that
are not UTF-8, bodies past the size limit or with a million unknown fields), and one sweep of
bodies that are no JSON object over every route that reads a body."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient

from tests.fakes.model_server import FakeModelServer, Reply
from tests.server.conftest import PREFIX, Api, sse
from vibing2_lab.store import Store

HUGE = 10**30  # a JSON whole number no store column (SQLite INTEGER, PostgreSQL BIGINT) can hold


def _extension(jp_serverapp: Any) -> Any:
    extension = jp_serverapp.extension_manager.extension_apps["vibing2_lab"]
    return next(iter(extension)) if isinstance(extension, set) else extension


def _stored(pid: int) -> Any:
    """Everything a rejected request must leave as it was."""
    store = Store.open()
    project = store.get_project(pid)
    return (project.name, [(f.path, f.content) for f in project.files], len(store.versions(pid)),
            sorted(p.name for p in store.list_projects()))


@pytest.fixture
def project() -> int:
    store = Store.open()
    pid = store.create_project("keep").id
    store.update_files(pid, {"index.html": "<p>hi</p>"})
    return pid


@pytest.mark.parametrize("method, path, body", [
    ("POST", "projects/{pid}/revert", {"to": HUGE}),
    ("POST", "projects/{pid}/revert", {"to": -HUGE}),
    ("POST", "projects/{pid}/fork", {"name": "copy", "at_version": HUGE}),
    ("POST", "stream", {"prompt": "hi", "project": HUGE}),
    ("POST", "stream", {"prompt": "hi", "project": "new", "max_tokens": HUGE}),
])
async def test_a_whole_number_past_64_bits_is_a_clear_400(api: Api, fake_model: FakeModelServer, project: int,
                                                         caplog: pytest.LogCaptureFixture, method: str, path: str,
                                                         body: dict[str, Any]) -> None:
    """Was: 500 with "OverflowError: Python int too large to convert to SQLite INTEGER" in the log."""
    before = _stored(project)
    caplog.set_level(logging.INFO)
    answer = await api(method, path.format(pid=project), body)
    assert answer.status == 400, answer.body
    assert answer.error["kind"] == "input" and "64-bit" in answer.error["message"] and answer.error["hint"]
    assert "Traceback" not in caplog.text
    assert _stored(project) == before and fake_model.requests == []


@pytest.mark.parametrize("path, params, status", [
    ("projects/{pid}/diff", {"a": "²", "b": "1"}, 400),  # "²".isdigit() is True, int("²") raises
    ("projects/{pid}/app.zip", {"version": "²"}, 400),
    ("agents/search", {"q": "sql", "limit": "²"}, 400),
    ("agents/search", {"q": "sql", "limit": "٣"}, 400),  # Arabic-Indic 3: int() takes it, the rule does not
])
async def test_non_ascii_digits_in_a_query_are_a_400(api: Api, project: int, path: str, params: dict[str, str],
                                                    status: int) -> None:
    answer = await api("GET", path.format(pid=project), params=params)
    assert answer.status == status, answer.body
    assert answer.error["kind"] == "input" and "whole number" in answer.error["message"] and answer.error["hint"]


async def test_a_ticket_url_with_a_non_ascii_digit_project_is_a_404(api: Api, project: int) -> None:
    """Was: 500 (the ticket check did int("²") before authenticating)."""
    answer = await api("GET", "projects/²/app/@" + "A" * 32 + "/index.html")
    assert answer.status == 404 and answer.error["kind"] == "unknown_project", answer.body


async def test_a_huge_max_cost_streams_like_no_limit(api: Api, fake_model: FakeModelServer,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """Was: an `error` event "OverflowError: cannot convert float infinity to integer" (the room left
    under $1e308 at a tiny price per token is infinite tokens)."""
    answer = await api("POST", "stream", {"prompt": "hi", "project": "rich", "max_cost": 1e308})
    events = sse(answer.body)
    assert events[-1][0] == "complete", events[-1]
    assert "OverflowError" not in caplog.text and len(fake_model.requests) == 1


@pytest.mark.parametrize("url", ["projects/%ff", "projects/%ed%a0%80/files", "stats?project=%ff",
                                 "agents/search?q=%ff", "agents/%ff"])
async def test_url_bytes_that_are_not_utf8_are_a_400_that_says_how_to_send_them(
        url: str, jp_base_url: str, jp_http_port: int, http_server_client: Any,
        auth_headers: dict[str, str]) -> None:
    """Was: tornado's "Invalid unicode in ref: b'\\xff'" with an empty hint."""
    response = await AsyncHTTPClient().fetch(f"http://localhost:{jp_http_port}{jp_base_url}{PREFIX}/{url}",
                                             headers=auth_headers, raise_error=False)
    error = json.loads(response.body)["error"]
    assert response.code == 400 and error["kind"] == "input", response.body
    assert "not valid UTF-8" in error["message"] and "encodeURIComponent" in error["hint"]


async def test_a_body_past_max_body_bytes_is_a_413_and_changes_nothing(api: Api, project: int,
                                                                       jp_serverapp: Any) -> None:
    """Was: any size up to Jupyter's 512 MiB was parsed and walked on the event loop
    (50 MB of `[0,0,...]` held it for 6.6 s)."""
    _extension(jp_serverapp).max_body_bytes = 100_000
    before = _stored(project)
    big = await api("PUT", f"projects/{project}/files", {"files": {"big.txt": "x" * 100_001}})
    assert big.status == 413 and big.error["kind"] == "too_large", big.body
    assert "100,000" in big.error["message"] and "max_body_bytes" in big.error["hint"]
    assert _stored(project) == before
    # Under the limit but past the inline size: checked off the loop, with the same rules.
    surrogate = await api("PUT", f"projects/{project}/files", raw=b'{"files": {"a.txt": "' + b"y" * 80_000
                          + b'\\ud800"}}')
    assert surrogate.status == 400 and "surrogate" in surrogate.error["message"]
    fits = await api("PUT", f"projects/{project}/files", {"files": {"big.txt": "x" * 90_000}})
    assert fits.status == 200 and len(Store.open().get_project(project).file_map()["big.txt"]) == 90_000


async def test_a_body_of_many_unknown_fields_gets_a_short_answer(api: Api) -> None:
    """Was: every unknown name echoed back (a 10 MB body of keys: a 10 MB error message)."""
    answer = await api("POST", "projects", {"name": "x", **{f"k{i}": 0 for i in range(10_000)}})
    assert answer.status == 400 and "and 9,995 more" in answer.error["message"]
    assert len(answer.body) < 600 and Store.open().list_projects() == []


async def test_an_absurdly_long_agent_name_is_a_short_404(api: Api, fake_model: FakeModelServer) -> None:
    """Was: the 300,000-character name fuzzy-matched against every agent (0.7 s; 2.6 s per million
    characters) and echoed whole in the error."""
    answer = await api("POST", "stream", {"prompt": "hi", "project": "p", "agent": "x" * 300_000})
    assert answer.status == 404 and answer.error["kind"] == "unknown_agent", answer.body[:200]
    assert "300,000 characters" in answer.error["message"] and len(answer.body) < 600
    assert fake_model.requests == [] and Store.open().list_projects() == []


@pytest.mark.parametrize("params, body", [({"provider": ""}, None), ({"provider": "\x00"}, None),
                                          (None, {"provider": ""})])
async def test_forgetting_an_empty_provider_keeps_the_default_key(api: Api, params: dict | None,
                                                                 body: dict | None) -> None:
    """Was: 200 {"provider": "anthropic", "deleted": true}: an empty name fell back to the default."""
    import keyring

    from vibing2_lab.keys import SERVICE

    assert (await api("POST", "auth/key", {"provider": "anthropic", "key": "k-keep-me-0123456789"})).status == 201
    answer = await api("DELETE", "auth/key", body, params=params)
    assert answer.status == 400 and "Unknown provider ''" in answer.error["message"] and answer.error["hint"]
    assert keyring.get_password(SERVICE, "anthropic") == "k-keep-me-0123456789"


@pytest.mark.parametrize("bad", ["abc\r\nX-Injected: 1", "sk-a\x00b", "sk-ant-é-0123456789", "k" * 5000])
async def test_a_key_no_header_can_carry_is_refused_and_the_stored_one_kept(api: Api, bad: str) -> None:
    """Was: 201 stored, replacing the working key; then every answer failed with "Unexpected
    ValueError ... header injection attack" and the hint "This is a bug in vibing2-lab"."""
    import keyring

    from vibing2_lab.keys import SERVICE

    assert (await api("POST", "auth/key", {"provider": "anthropic", "key": "k-good-0123456789"})).status == 201
    answer = await api("POST", "auth/key", {"provider": "anthropic", "key": bad})
    assert answer.status == 400 and answer.error["kind"] == "config", answer.body
    assert "nothing was stored" in answer.error["message"] and "one line" in answer.error["hint"]
    assert bad.encode() not in answer.body
    assert keyring.get_password(SERVICE, "anthropic") == "k-good-0123456789"


async def test_an_environment_key_no_header_can_carry_is_a_clear_error_event(
        api: Api, fake_model: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-pasted\nwith-a-line-break")
    events = sse((await api("POST", "stream", {"prompt": "hi", "project": "k"})).body)
    kind, error = events[-1]
    assert kind == "error" and error["kind"] == "config", error
    assert "environment variable ANTHROPIC_API_KEY" in error["message"] and "bug" not in error["hint"]
    assert "pasted" not in json.dumps(events) and fake_model.requests == []


async def test_a_project_deleted_while_it_streams_ends_the_stream_with_an_error_event(
        api: Api, fake_model: FakeModelServer, stream_url: str, auth_headers: dict[str, str]) -> None:
    """Was: the tokens, then nothing (the answer could not be stored, and the 200 was long sent):
    no `complete` and no `error`, against the route's promise that failures arrive as events."""
    from tests.server.test_stream_cancel import live_stream

    fake_model.enqueue(Reply(tokens=[f" t{i}" for i in range(20)], delay=0.02))
    pid = Store.open().create_project("doomed").id
    async with live_stream(stream_url, auth_headers, {"prompt": "hi", "project": "doomed"}) as events:
        await events.until(lambda seen: any(kind == "token" for kind, _ in seen))
        assert (await api("DELETE", f"projects/{pid}")).status == 204
        await events.rest()
    kind, last = events.seen[-1]
    assert kind == "error" and last["kind"] == "unknown_project" and last["hint"], events.seen[-1]
    assert last["stream_id"] == events.seen[0][1]["stream_id"]


BODY_ROUTES = [("POST", "projects"), ("PATCH", "projects/{pid}"), ("POST", "projects/{pid}/fork"),
               ("PUT", "projects/{pid}/visibility"), ("POST", "projects/{pid}/conversations"),
               ("PUT", "projects/{pid}/files"), ("POST", "projects/{pid}/revert"), ("POST", "stream"),
               ("POST", "stream/x/consent"), ("POST", "stream/x/notebook"), ("POST", "agents/pick"),
               ("POST", "auth/key"), ("DELETE", "auth/key"), ("POST", "complete")]
NOT_AN_OBJECT = [b"not json", b"null", b"[]", b'"text"', b"1", b"\xff\xfe{}", b"{} {}", b'{"a": 1e999}']


async def test_every_body_route_refuses_what_is_no_json_object(api: Api, fake_model: FakeModelServer,
                                                              project: int) -> None:
    """The sweep that found nothing: one reader answers every route the same way (no 500, a hint)."""
    before = _stored(project)
    for method, path in BODY_ROUTES:
        for raw in NOT_AN_OBJECT:
            answer = await api(method, path.format(pid=project), raw=raw)
            assert answer.status == 400, (method, path, raw, answer.body)
            assert answer.error["kind"] == "input" and answer.error["hint"], (method, path, raw)
    assert _stored(project) == before and fake_model.requests == []


async def test_a_project_type_with_a_terminal_escape_is_a_400(api: Api, project: int) -> None:
    before = _stored(project)
    answer = await api("POST", "projects", {"name": "shown", "type": "\x1b]0;owned\x07notebook"})
    assert answer.status == 400
    assert "control characters" in answer.error["message"] and answer.error["hint"]
    answer = await api("POST", "projects", {"name": "shown", "agents": ["sql-expert", "x\x1b[2J"]})
    assert answer.status == 400 and "agent name" in answer.error["message"]
    assert _stored(project) == before
    assert (await api("POST", "projects", {"name": "shown", "type": "web app"})).status == 201
