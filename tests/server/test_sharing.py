"""Two identities on one store (SQLite and PostgreSQL): each sees its own and the shared
projects; another's private project is a 404 on every route that names a project."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from tests.server.conftest import Api
from vibing2_lab.server.handlers import ROUTES

VERBS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def jp_server_config() -> dict:
    return {"ServerApp": {"jpserver_extensions": {"vibing2_lab": True},
                          "identity_provider_class": "tests.fakes.identity.HeaderIdentityProvider"}}


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        request.getfixturevalue("postgresql_url")
    return request.param


def _as(name: str) -> dict:
    return {"headers": {"X-Test-User": name}}


def _project_routes() -> list[tuple[str, str]]:
    cases = []
    for pattern, handler in ROUTES:
        if "(?P<ref>" not in pattern:
            continue
        for verb in VERBS:
            if verb in vars(handler):
                cases.append((verb.upper(), re.sub(r"\(\?P<(?!ref)\w+>[^)]*\)", "1", re.sub(r"\(\?P<ref>[^)]*\)", "{ref}", pattern))))
    return cases


BODIES = {"fork": {"name": "stolen"}, "revert": {"to": 1}, "visibility": {"visibility": "shared"}, "files": {"files": {"a.txt": "x"}}}


async def test_own_and_shared_only_and_a_private_project_is_a_404_for_others(api: Api, engine: str) -> None:
    for name in ("a-secret", "a-team"):
        assert (await api("POST", "projects", {"name": name}, **_as("alice"))).status == 201
    shared = await api("PUT", "projects/a-team/visibility", {"visibility": "shared"}, **_as("alice"))
    assert shared.status == 200 and shared.json["visibility"] == "shared" and shared.json["owner"] == "alice"
    assert (await api("POST", "projects", {"name": "b-own"}, **_as("bob"))).status == 201

    bob = (await api("GET", "projects", **_as("bob"))).json["projects"]
    assert sorted((p["name"], p["owner"], p["visibility"]) for p in bob) == [
        ("a-team", "alice", "shared"), ("b-own", "bob", "private")]
    alice = (await api("GET", "projects", **_as("alice"))).json["projects"]
    assert sorted(p["name"] for p in alice) == ["a-secret", "a-team"]

    routes = _project_routes()
    assert len(routes) >= 8, routes
    for method, pattern in routes:
        path = pattern.format(ref="a-secret")
        body = BODIES.get(path.rsplit("/", 1)[-1], {"name": "renamed"} if method == "PATCH" else None)
        params = {"path": "index.html", "a": "1", "b": "1"}  # the query some routes require, so the lookup runs
        answer = await api(method, path, body, params=params, **_as("bob"))
        assert answer.status == 404, f"{method} {path} answered {answer.status} to bob"
        assert "a-secret" not in answer.body.decode().replace("No project 'a-secret'", "")
    secret_id = next(p["id"] for p in alice if p["name"] == "a-secret")
    assert (await api("GET", f"projects/{secret_id}", **_as("bob"))).status == 404  # by id as well

    # Bob works in the shared project; the list says who changed it last. Sharing stays alice's.
    assert (await api("POST", "projects/a-team/conversations", **_as("bob"))).status in (200, 201)
    team = next(p for p in (await api("GET", "projects", **_as("alice"))).json["projects"] if p["name"] == "a-team")
    assert team["updated_by"] == "bob"
    refused = await api("PUT", "projects/a-team/visibility", {"visibility": "private"}, **_as("bob"))
    assert refused.status in (403, 409, 400) and "owner" in refused.error["message"]
    assert (await api("GET", "projects/a-secret", **_as("alice"))).status == 200  # nothing was changed


async def test_a_stream_into_another_users_private_project_is_a_404(api: Api, engine: str, fake_model) -> None:
    assert (await api("POST", "projects", {"name": "a-secret"}, **_as("alice"))).status == 201
    answer = await api("POST", "stream", {"prompt": "hi", "project": "a-secret"}, **_as("bob"))
    assert answer.status == 404, answer.body
    assert fake_model.requests == []
    mine = await api("POST", "stream", {"prompt": "hi", "project": "b-new"}, **_as("bob"))
    assert mine.status == 200
    listed = (await api("GET", "projects", **_as("bob"))).json["projects"]
    assert [(p["name"], p["owner"], p["messages"]) for p in listed] == [("b-new", "bob", 2)]


async def test_the_app_ticket_reads_a_private_project_for_its_owner_only(api: Api, engine: str, jp_http_port: int,
                                                                      http_server_client: Any) -> None:
    """Was: the ticket URL read as nobody, so on a multi-user server the owner's own private app
    was "No project 1" (404); now it reads as the user it was given to, and bob cannot forge one."""
    from tornado.httpclient import AsyncHTTPClient

    pid = (await api("POST", "projects", {"name": "a-site"}, **_as("alice"))).json["id"]
    assert (await api("PUT", f"projects/{pid}/files", {"files": {"index.html": "<p>a</p>", "app.js": "1"}},
                      **_as("alice"))).status == 200
    versions = (await api("GET", f"projects/{pid}/versions", **_as("alice"))).json
    url = f"http://localhost:{jp_http_port}{versions['app_url']}"
    fetch = AsyncHTTPClient().fetch  # no token, no cookie: what a module import of the page sends
    page = await fetch(url + "app.js", raise_error=False)
    assert page.code == 200 and page.body == b"1", page.body
    mac, user = re.search(r"/@([A-Za-z0-9_-]{32})([A-Za-z0-9_-]*)/", url).groups()
    forged = url.replace(user, base64.urlsafe_b64encode(b"bob").decode().rstrip("="))
    assert (await fetch(forged + "app.js", raise_error=False)).code == 403


def test_the_database_url_trait_puts_the_server_on_postgresql(postgresql_server, monkeypatch, tmp_path) -> None:
    from vibing2_lab.server.extension import Vibing2Lab
    from vibing2_lab.store import Store

    url = postgresql_server.new_database()
    # setenv (not delenv of an absent name) records the original, so the trait's os.environ write is undone
    monkeypatch.setenv("VIBING2_LAB_DATABASE_URL", "")
    app = Vibing2Lab(database_url=url)
    app.initialize_settings()
    assert Store.open().location == url
