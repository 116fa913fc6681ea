"""The app route and the versions routes, through a real Jupyter server (pytest-jupyter)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.server.conftest import PREFIX, Api
from vibing2_lab.store import Store

INDEX = ('<!doctype html><html><head><link rel="stylesheet" href="style.css"></head>'
         '<body><h1>Hi</h1><script type="module" src="app.js"></script></body></html>')
FILES = {"index.html": INDEX, "style.css": "h1 { color: black }", "app.js": "import './lib/util.js';",
         "lib/util.js": "export const x = 1;", "data.json": '{"a": 1}'}


@pytest.fixture
def app_project() -> int:
    store = Store.open()
    project = store.create_project("shop")
    store.update_files(project.id, FILES, label="first version")
    return project.id


def assert_sandboxed(headers: Any) -> str:
    csp = headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts allow-forms allow-modals;")
    assert "allow-same-origin" not in csp and "connect-src 'none'" in csp
    return csp


async def follow(jp_fetch: Any, *path: str, **kwargs: Any) -> Any:
    """GET a path and follow one redirect by hand (the redirect target is kept in `.url`)."""
    try:
        return await jp_fetch(PREFIX, *path, follow_redirects=False, **kwargs)
    except HTTPClientError as exc:
        if exc.code != 302:
            raise
        location = exc.response.headers["Location"]
        return await jp_fetch(PREFIX, *location.split(f"{PREFIX}/", 1)[1].split("/"), **kwargs)


async def test_files_are_served_with_their_types_under_the_sandbox_csp(jp_fetch: Any, api: Api,
                                                                      app_project: int) -> None:
    page = await follow(jp_fetch, "projects", str(app_project), "app", "")  # redirected to the ticket path
    assert page.code == 200 and page.body.decode() == INDEX
    assert "/app/%40" in page.effective_url  # jp_fetch quotes the @ of the ticket
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = assert_sandboxed(page.headers)
    assert "https://cdn.jsdelivr.net" in csp  # the default network level: cdn
    for path, kind in (("style.css", "text/css"), ("app.js", "text/javascript"),
                       ("lib/util.js", "text/javascript"), ("data.json", "application/json")):
        answer = await api("GET", f"projects/{app_project}/app/{path}")
        assert answer.status == 200 and answer.body.decode() == FILES[path], path
        assert answer.headers["Content-Type"] == f"{kind}; charset=utf-8"
        assert_sandboxed(answer.headers)
        assert answer.headers["Cache-Control"] == "no-store"
    by_name = await api("GET", "projects/shop/app/style.css")
    assert by_name.status == 200 and by_name.body.decode() == FILES["style.css"]


async def test_a_page_redirects_to_its_ticket_which_needs_no_cookie(jp_fetch: Any, app_project: int) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(PREFIX, "projects", str(app_project), "app", "", follow_redirects=False)
    assert info.value.code == 302
    location = info.value.response.headers["Location"]
    assert location.endswith(f"/projects/{app_project}/app/@{location.split('/@')[1].split('/')[0]}/index.html")
    assert_sandboxed(info.value.response.headers)
    ticket_path = location.split(f"{PREFIX}/", 1)[1]
    # The ticket alone (no token, no cookie, origin null like a module import) reads this project's files...
    rel = ticket_path.replace("index.html", "app.js")
    answer = await jp_fetch(PREFIX, *rel.split("/"), headers={"Authorization": "", "Origin": "null"})
    assert answer.code == 200 and answer.body.decode() == FILES["app.js"]
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    # ...and nothing else: another project's id with this ticket is refused.
    other = Store.open().create_project("other")
    Store.open().update_files(other.id, {"index.html": "secret"})
    forged = rel.replace(f"projects/{app_project}/", f"projects/{other.id}/")
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch(PREFIX, *forged.split("/"), headers={"Authorization": ""})
    assert refused.value.code == 403


async def test_without_credentials_403_and_escapes_404(jp_fetch: Any, api: Api, app_project: int) -> None:
    for path in ("app/", "app/style.css", "app/@" + "A" * 32 + "/style.css", "versions", "app.zip"):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(PREFIX, "projects", str(app_project), *path.split("/"), headers={"Authorization": ""},
                           follow_redirects=False)
        assert info.value.code == 403, path
    for escape in ("app/../../../api/contents", "app/%2e%2e/%2e%2e/api/contents", "app/..%2fversions",
                   "app//etc/passwd", "app/missing.js", "app/lib/../../x"):
        answer = await api("GET", f"projects/{app_project}/{escape}")
        assert answer.status == 404, (escape, answer.status)
        assert_sandboxed(answer.headers)


async def test_versions_diff_revert_zip_and_fork_routes(api: Api, app_project: int) -> None:
    changed = await api("PUT", f"projects/{app_project}/files", {"files": {"style.css": "h1 { color: blue }"}})
    assert changed.status == 200
    listed = (await api("GET", f"projects/{app_project}/versions")).json
    assert [(v["version"], v["changed"]) for v in listed["versions"]] == [(1, []), (2, ["style.css"])]
    assert listed["versions"][0]["message"] == "first version" and "/app/@" in listed["app_url"]

    diff = (await api("GET", f"projects/{app_project}/diff", params={"a": "1", "b": "2"})).json["diff"]
    assert "-h1 { color: black }" in diff and "+h1 { color: blue }" in diff
    bad = await api("GET", f"projects/{app_project}/diff", params={"a": "1", "b": "x"})
    assert bad.status == 400 and "version number" in bad.error["message"]

    reverted = await api("POST", f"projects/{app_project}/revert", {"to": 1})
    assert reverted.status == 201 and reverted.json["version"] == 3 and reverted.json["changed"] == ["style.css"]
    page = await api("GET", f"projects/{app_project}/app/style.css")
    assert page.body.decode() == "h1 { color: black }"
    missing = await api("POST", f"projects/{app_project}/revert", {"to": 9})
    assert missing.status == 400 and "no version 9" in missing.error["message"]

    archive = await api("GET", f"projects/{app_project}/app.zip", params={"version": "2"})
    assert archive.status == 200 and archive.headers["Content-Type"] == "application/zip"
    assert 'filename="shop.zip"' in archive.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(archive.body)) as z:
        assert sorted(z.namelist()) == sorted(FILES) and z.read("style.css") == b"h1 { color: blue }"

    fork = await api("POST", f"projects/{app_project}/fork", {"name": "shop-v2", "at_version": 2})
    assert fork.status == 201
    assert {f["path"]: f["content"] for f in fork.json["files"]}["style.css"] == "h1 { color: blue }"


async def test_the_json_preview_is_finished_by_the_policy(api: Api, app_project: int) -> None:
    from vibing2_lab.preview import PreviewPolicy

    preview = (await api("GET", f"projects/{app_project}/preview")).json
    assert preview["entry"] == "index.html"
    assert preview["html"].startswith("<!doctype html>" + PreviewPolicy().meta() + "<html>")


async def test_a_project_created_with_a_null_name_is_untitled(api: Api) -> None:
    first, second = await api("POST", "projects", {"name": None}), await api("POST", "projects", {"name": None})
    assert (first.status, first.json["name"], second.json["name"]) == (201, "untitled", "untitled-2")
