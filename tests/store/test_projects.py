"""The Store API the session layer, the magics and the server share."""

from __future__ import annotations

import re

import pytest

from tests.store.conftest import count

from vibing2_lab.errors import ExportError, InputError, ProjectError, UnknownProjectError
from vibing2_lab.store import Message, Project, ProjectFile, Run, Store

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_create_get_and_list(store: Store) -> None:
    created = store.create_project("todo app", type="web", agents=["frontend", "backend"])
    assert created.id and ISO_UTC.match(created.created) and created.created == created.updated
    store.add_message(created.id, "user", "Build a todo app")
    store.add_message(created.id, "assistant", "Sure.", agent="frontend")
    store.update_files(created.id, {"index.html": "<h1>todo</h1>", "app.js": "1"})

    loaded = store.get_project("todo app")
    assert store.get_project(created.id) == loaded == store.get_project(str(created.id))
    assert (loaded.type, loaded.agents) == ("web", ["frontend", "backend"])
    assert [(m.role, m.content, m.agent) for m in loaded.messages] == [
        ("user", "Build a todo app", None), ("assistant", "Sure.", "frontend")]
    assert [(f.path, f.language) for f in loaded.files] == [("app.js", "javascript"), ("index.html", "html")]

    store.create_project("empty")
    summaries = store.list_projects()
    assert [(s.name, s.messages, s.files) for s in summaries] == [("empty", 0, 0), ("todo app", 2, 2)]
    assert all(ISO_UTC.match(s.updated) and s.last_activity >= s.updated for s in summaries)


@pytest.mark.parametrize("name, why", [
    ("", "empty"), ("   ", "empty"), (" padded", "whitespace"), ("padded\t", "whitespace"),
    ("x" * 121, "121 characters"), ("bad\nname", "control"), ("bell\x07", "control"), ("zw\u200bsp", "control"),
])
def test_bad_project_names_are_refused_with_a_reason(store: Store, name: str, why: str) -> None:
    with pytest.raises(ProjectError, match=why) as info:
        store.create_project(name)
    assert info.value.hint
    assert store.list_projects() == []


def test_names_are_unique_and_unknown_names_suggest_close_ones(store: Store) -> None:
    store.create_project("dashboard")
    with pytest.raises(ProjectError, match="already exists"):
        store.create_project("dashboard")
    with pytest.raises(UnknownProjectError) as info:
        store.get_project("dashbord")
    assert "'dashboard'" in info.value.hint
    assert store.ensure_project("dashboard").id == store.get_project("dashboard").id
    assert store.ensure_project("new one", type="web").type == "web"


def test_rename_fork_and_delete(store: Store) -> None:
    p = store.create_project("a")
    store.add_message(p.id, "user", "first")
    store.new_conversation(p.id)
    store.add_message(p.id, "user", "second")
    store.update_files(p.id, {"x.py": "print(1)"})
    run = store.record_run(Run(agent="a", model="m", project_id=p.id))

    assert store.rename_project("a", "b").name == "b"
    with pytest.raises(UnknownProjectError):
        store.get_project("a")
    store.create_project("c")
    with pytest.raises(ProjectError, match="already exists"):
        store.rename_project("b", "c")

    fork = store.fork_project("b", "b2")
    assert fork.forked_from == p.id and fork.id != p.id
    assert [m.content for m in fork.messages] == ["second"]
    assert [m.content for m in store.history(fork.id, conversation=1)] == ["first"]
    assert fork.file_map() == {"x.py": "print(1)"}
    store.add_message(fork.id, "user", "only in the fork")
    assert [m.content for m in store.get_project("b").messages] == ["second"]

    store.delete_project("b")
    assert sorted(s.name for s in store.list_projects()) == ["b2", "c"]
    assert count(store, "SELECT count(*) FROM messages WHERE project_id = ?", p.id) == 0
    assert count(store, "SELECT count(*) FROM files WHERE project_id = ?", p.id) == 0
    # Usage history survives the project.
    assert [(r.id, r.project_id) for r in store.runs()] == [(run.id, None)]


def test_partial_answers_keep_their_text_and_status(store: Store) -> None:
    p = store.create_project("stream")
    store.add_message(p.id, "user", "go")
    cut = store.add_message(p.id, "assistant", "Half an ans", agent="x", status="cancelled", meta={"stop": "user"})
    live = store.add_message(p.id, "assistant", "", status="streaming")
    done = store.update_message(live.id, content="Full answer.", status="complete")
    assert (done.content, done.status, done.seq) == ("Full answer.", "complete", live.seq)
    assert [(m.content, m.status) for m in store.history(p.id)] == [
        ("go", "complete"), ("Half an ans", "cancelled"), ("Full answer.", "complete")]
    assert store.history(p.id)[1].meta == {"stop": "user"} and cut.meta == {"stop": "user"}
    with pytest.raises(InputError, match="message status"):
        store.add_message(p.id, "assistant", "x", status="weird")
    with pytest.raises(InputError, match="message role"):
        store.add_message(p.id, "robot", "x")
    with pytest.raises(UnknownProjectError):
        store.add_message(9999, "user", "x")


def test_new_conversation_starts_empty_and_keeps_the_old_one(store: Store) -> None:
    p = store.create_project("talk")
    store.add_message(p.id, "user", "one")
    assert store.new_conversation(p.id) == 2
    assert store.history(p.id) == [] and store.get_project(p.id).messages == []
    store.add_message(p.id, "user", "two")
    assert [m.content for m in store.history(p.id)] == ["two"]
    assert [m.content for m in store.history(p.id, conversation=1)] == ["one"]
    assert store.list_projects()[0].messages == 2  # the count covers every conversation


def test_save_project_round_trips_and_writes_only_the_new_state(store: Store) -> None:
    project = Project(name="saved", agents=["a"],
                      messages=[Message("user", "hi"), Message("assistant", "hello", agent="a")],
                      files=[ProjectFile("./index.html", "<p>1</p>"), ProjectFile("style.css", "p{}")])
    saved = store.save_project(project)
    assert saved == store.get_project("saved")
    assert [f.path for f in saved.files] == ["index.html", "style.css"]
    assert all(m.id and m.seq for m in saved.messages)

    # Edit one message, drop one, add two; change one file, drop one, add one.
    saved.messages[0].content = "hi there"
    del saved.messages[1]
    saved.messages += [Message("user", "more"), Message("assistant", "ok", status="error")]
    saved.files = [ProjectFile("index.html", "<p>2</p>"), ProjectFile("app.js", "go()")]
    again = store.save_project(saved)
    loaded = store.get_project("saved")
    assert again == loaded
    assert [(m.content, m.status) for m in loaded.messages] == [
        ("hi there", "complete"), ("more", "complete"), ("ok", "error")]
    assert loaded.file_map() == {"app.js": "go()", "index.html": "<p>2</p>"}
    assert loaded.messages[0].id == saved.messages[0].id  # updated in place, not re-inserted


def test_save_project_is_one_transaction(store: Store) -> None:
    store.save_project(Project(name="keep", messages=[Message("user", "v1")], files=[ProjectFile("a.txt", "v1")]))
    bad = store.get_project("keep")
    bad.messages.append(Message("user", "v2"))
    bad.files.append(ProjectFile("../escape.txt", "nope"))
    with pytest.raises(ExportError):
        store.save_project(bad)
    bad.files.pop()
    bad.messages.append(Message("robot", "v3"))
    with pytest.raises(InputError, match="message role"):
        store.save_project(bad)
    bad.messages[-1] = Message("user", b"bytes")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="must be text"):
        store.save_project(bad)
    loaded = store.get_project("keep")
    assert [m.content for m in loaded.messages] == ["v1"] and loaded.file_map() == {"a.txt": "v1"}


def test_save_project_by_name_upserts_and_a_deleted_id_is_reported(store: Store) -> None:
    first = store.create_project("same")
    again = store.save_project(Project(name="same", messages=[Message("user", "x")]))
    assert again.id == first.id and again.created == first.created
    store.delete_project("same")
    with pytest.raises(UnknownProjectError, match="deleted"):
        store.save_project(again)


def test_update_files_upserts_by_path_and_refuses_unsafe_paths(store: Store) -> None:
    p = store.create_project("files")
    first = store.update_files(p.id, {"index.html": "v1", "keep.css": "k"})
    second = store.update_files(p.id, {"index.html": "v2", "./src//app.js": "js"})
    assert [f.path for f in second] == ["index.html", "src/app.js"]
    by_path = {f.path: f for f in store.get_project(p.id).files}
    assert {k: v.content for k, v in by_path.items()} == {"index.html": "v2", "keep.css": "k", "src/app.js": "js"}
    assert by_path["index.html"].created == first[0].created and by_path["index.html"].updated > first[0].updated
    with pytest.raises(ExportError, match="absolute"):
        store.update_files(p.id, {"/etc/passwd": "x"})
    assert len(store.get_project(p.id).files) == 3


def test_runs_are_recorded_and_filtered(store: Store) -> None:
    p = store.create_project("runs")
    a = store.record_run(Run(agent="a", provider="anthropic", model="m1", project_id=p.id, input_tokens=5,
                             output_tokens=7, cost_usd=0.01, ttft_s=0.2, duration_s=1.5, request_id="req_1"))
    b = store.record_run(Run(agent="b", model="m2", status="cancelled", error_kind="cancelled"))
    assert a.id and ISO_UTC.match(a.created)
    assert store.runs() == [a, b] and store.runs(project_id=p.id) == [a]
    msg = store.add_message(p.id, "assistant", "answer", run_id=a.id)
    assert store.history(p.id)[0].run_id == a.id == msg.run_id
    with pytest.raises(InputError, match="run status"):
        store.record_run(Run(status="streaming"))
    with pytest.raises(UnknownProjectError):
        store.record_run(Run(project_id=9999))


def test_record_answer_writes_run_message_and_files_together(store: Store) -> None:
    p = store.create_project("answers")
    store.add_message(p.id, "user", "make a page")
    run = Run(agent="frontend", provider="anthropic", model="m", status="cancelled", input_tokens=3,
              output_tokens=4, error_kind="cancelled")
    message = store.record_answer(p.id, "```html title=index.html\n<p>", agent="frontend", status="cancelled",
                                  run=run, files={"index.html": "<p>\n"}, meta={"partial": True})
    (stored_run,) = store.runs(project_id=p.id)
    assert message.run_id == stored_run.id and (stored_run.status, stored_run.output_tokens) == ("cancelled", 4)
    loaded = store.get_project(p.id)
    assert [(m.role, m.status, m.run_id) for m in loaded.messages] == [
        ("user", "complete", None), ("assistant", "cancelled", stored_run.id)]
    assert loaded.file_map() == {"index.html": "<p>\n"} and loaded.messages[1].meta == {"partial": True}

    with pytest.raises(ExportError):  # one bad file path: no run, no message, no file
        store.record_answer(p.id, "text", run=Run(agent="x"), files={"ok.txt": "1", "../bad.txt": "2"})
    with pytest.raises(UnknownProjectError):  # the run is rolled back with the message
        store.record_answer(9999, "text", run=Run(agent="x"))
    assert len(store.runs()) == 1 and len(store.history(p.id)) == 2 and len(store.get_project(p.id).files) == 1
