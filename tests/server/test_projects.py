"""Project routes through a real Jupyter server: create, list, read, rename, delete, fork, files,
preview, export; and their 4xx answers."""

from __future__ import annotations

import pytest

from tests.server.conftest import Api
from vibing2_lab.store import Store


async def create(api: Api, name: str = "demo") -> dict:
    answer = await api("POST", "projects", {"name": name})
    assert answer.status == 201, answer.body
    return answer.json


async def test_create_list_read_rename_delete(api: Api) -> None:
    made = await create(api, "todo app")
    assert (made["name"], made["messages"], made["files"]) == ("todo app", [], [])
    listed = (await api("GET", "projects")).json["projects"]
    assert [(p["id"], p["name"], p["messages"]) for p in listed] == [(made["id"], "todo app", 0)]
    by_id = await api("GET", f"projects/{made['id']}")
    by_name = await api("GET", "projects/todo app")
    assert by_id.json == by_name.json == made

    renamed = await api("PATCH", f"projects/{made['id']}", {"name": "todo v2"})
    assert renamed.status == 200 and renamed.json["name"] == "todo v2"
    assert Store.open().get_project(made["id"]).name == "todo v2"

    deleted = await api("DELETE", f"projects/{made['id']}")
    assert deleted.status == 204
    assert (await api("GET", "projects")).json["projects"] == []
    assert (await api("GET", f"projects/{made['id']}")).status == 404


async def test_read_gives_messages_with_their_run_usage(api: Api) -> None:
    from vibing2_lab.store import Run

    store = Store.open()
    project = store.create_project("stored")
    store.add_message(project.id, "user", "hi")
    store.record_answer(project.id, "Hello!", agent="sql-expert", status="cancelled",
                        run=Run(provider="anthropic", model="m", status="cancelled", input_tokens=3, output_tokens=2,
                                cost_usd=0.5, duration_s=1.25))
    data = (await api("GET", f"projects/{project.id}")).json
    user, answer = data["messages"]
    assert (user["role"], user["content"], user["run"]) == ("user", "hi", None)
    assert (answer["content"], answer["agent"], answer["status"]) == ("Hello!", "sql-expert", "cancelled")
    assert answer["run"] == {"provider": "anthropic", "model": "m", "input_tokens": 3, "output_tokens": 2,
                             "cost_usd": 0.5, "ttft_s": None, "duration_s": 1.25}


@pytest.mark.parametrize("name", ["", "  padded ", "x" * 121, "bad\x07bell"])
async def test_invalid_project_names_are_400(api: Api, name: str) -> None:
    answer = await api("POST", "projects", {"name": name})
    assert answer.status == 400
    assert answer.error["kind"] == "project" and answer.error["message"] and answer.error["hint"]
    assert (await api("GET", "projects")).json["projects"] == []


async def test_create_refuses_a_taken_name_and_bad_fields(api: Api) -> None:
    await create(api, "one")
    taken = await api("POST", "projects", {"name": "one"})
    assert taken.status == 400 and "already exists" in taken.error["message"]
    assert (await api("POST", "projects", {})).error["message"] == "The request body has no 'name'."
    wrong = await api("POST", "projects", {"name": 5})
    assert wrong.status == 400 and "'name' must be text" in wrong.error["message"]
    unknown = await api("POST", "projects", {"name": "two", "colour": "red"})
    assert unknown.status == 400 and "'colour'" in unknown.error["message"]


async def test_unknown_projects_are_404_with_suggestions(api: Api) -> None:
    await create(api, "weather dashboard")
    for method, path, body in [("GET", "projects/weather dashbord", None),
                               ("PATCH", "projects/nope", {"name": "x"}),
                               ("DELETE", "projects/999", None),
                               ("PUT", "projects/nope/files", {"files": {}}),
                               ("GET", "projects/nope/preview", None),
                               ("GET", "projects/nope/export.ipynb", None),
                               ("POST", "projects/nope/fork", {"name": "y"})]:
        answer = await api(method, path, body)
        assert answer.status == 404, (method, path, answer.body)
        assert answer.error["kind"] == "unknown_project"
    hint = (await api("GET", "projects/weather dashbord")).error["hint"]
    assert "weather dashboard" in hint


async def test_rename_to_a_taken_or_invalid_name(api: Api) -> None:
    a, _ = await create(api, "a"), await create(api, "b")
    assert (await api("PATCH", f"projects/{a['id']}", {"name": "b"})).status == 400
    assert (await api("PATCH", f"projects/{a['id']}", {"name": ""})).error["kind"] == "project"
    assert Store.open().get_project(a["id"]).name == "a"


async def test_files_put_preview_and_fork(api: Api) -> None:
    project = await create(api, "site")
    files = {"index.html": '<html><head><link rel="stylesheet" href="style.css"></head>'
                           '<body><h1>Hi</h1><script src="app.js"></script></body></html>',
             "style.css": "h1 { color: red }", "app.js": "document.title = 'x';"}
    put = await api("PUT", f"projects/{project['id']}/files", {"files": files})
    assert put.status == 200
    assert sorted(f["path"] for f in put.json["files"]) == sorted(files)
    listed = (await api("GET", f"projects/{project['id']}/files")).json["files"]
    assert {f["path"]: f["content"] for f in listed} == files

    preview = (await api("GET", f"projects/{project['id']}/preview")).json
    assert preview["entry"] == "index.html"
    assert "<style>h1 { color: red }</style>" in preview["html"]
    assert "<script>document.title = 'x';</script>" in preview["html"]
    assert 'href="style.css"' not in preview["html"]

    fork = await api("POST", f"projects/{project['id']}/fork", {"name": "site copy"})
    assert fork.status == 201
    assert {f["path"] for f in fork.json["files"]} == set(files)
    assert fork.json["forked_from"] == project["id"]


async def test_files_refuse_escaping_paths_and_non_text(api: Api) -> None:
    project = await create(api, "p")
    escape = await api("PUT", f"projects/{project['id']}/files", {"files": {"../evil.sh": "rm -rf /"}})
    assert escape.status == 400 and escape.error["kind"] == "export"
    not_text = await api("PUT", f"projects/{project['id']}/files", {"files": {"a.txt": 3}})
    assert not_text.status == 400 and "'a.txt'" in not_text.error["message"]
    assert Store.open().get_project(project["id"]).files == []


async def test_preview_without_html_is_404(api: Api) -> None:
    project = await create(api, "no-html")
    await api("PUT", f"projects/{project['id']}/files", {"files": {"main.py": "print(1)"}})
    answer = await api("GET", f"projects/{project['id']}/preview")
    assert answer.status == 404 and answer.error["kind"] == "no_preview"
    entry = await api("GET", f"projects/{project['id']}/preview", params={"entry": "other.html"})
    assert entry.status == 404 and "'other.html'" in entry.error["message"]


async def test_new_conversation_keeps_the_old_one(api: Api) -> None:
    store = Store.open()
    project = store.create_project("chat")
    store.add_message(project.id, "user", "first")
    answer = await api("POST", f"projects/{project.id}/conversations")
    assert answer.status == 201 and answer.json == {"project": project.id, "conversation": 2}
    assert (await api("GET", f"projects/{project.id}")).json["messages"] == []
    assert [m.content for m in store.history(project.id, conversation=1)] == ["first"]


async def test_export_notebook(api: Api) -> None:
    import nbformat

    store = Store.open()
    project = store.create_project("exported")
    store.add_message(project.id, "user", "Build it")
    store.record_answer(project.id, "```html title=index.html\n<h1>x</h1>\n```", files={"index.html": "<h1>x</h1>"})
    answer = await api("GET", f"projects/{project.id}/export.ipynb")
    assert answer.status == 200, answer.body
    assert answer.headers["Content-Type"].startswith("application/x-ipynb+json")
    assert 'filename="exported.ipynb"' in answer.headers["Content-Disposition"]
    notebook = answer.json
    nbformat.validate(nbformat.from_dict(notebook))
    unicode_name = store.create_project("café 世界/app")
    exported = await api("GET", f"projects/{unicode_name.id}/export.ipynb")
    assert exported.status == 200
    assert exported.headers["Content-Disposition"] == (
        "attachment; filename=\"caf_ ___app.ipynb\"; filename*=UTF-8''caf%C3%A9%20%E4%B8%96%E7%95%8C%2Fapp.ipynb")
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in notebook["cells"]]
    assert any(s.startswith("%%vibe") and "Build it" in s for s in sources)
