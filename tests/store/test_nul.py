"""A NUL (U+0000) on both engines: PostgreSQL's text cannot hold one, SQLite can. One rule
(store/text.py) makes them behave the same: a NUL in what the user gives is refused before
anything is stored or sent; in content that must not be lost it becomes U+FFFD."""

from __future__ import annotations

import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from tests.store.conftest import count
from vibing2_lab.errors import ExportError, ProjectError, StoreError
from vibing2_lab.store import Message, Project, ProjectFile, Run, Store

NUL, FFFD = "\x00", "\ufffd"


def test_an_answer_its_files_and_its_tool_steps_keep_everything_but_the_nul(store: Store) -> None:
    project = store.create_project("nul")
    run = Run(agent="a", provider="anthropic", model="m", status="complete", request_id=f"req{NUL}1",
              steps=[{"name": f"read{NUL}", "input": {"p": NUL}, "status": "ok", "content": f"out{NUL}put"}])
    message = store.record_answer(project.id, f"before{NUL}after é{NUL}", run=run,
                                  files={"a.txt": f"bin{NUL}ary\ud800"}, prompt=f"make{NUL}it")
    assert message.content == f"before{FFFD}after é{FFFD}"  # what is returned is what is stored
    stored = store.get_project(project.id)
    assert stored.messages[-1].content == f"before{FFFD}after é{FFFD}"
    assert stored.file_map() == {"a.txt": f"bin{FFFD}ary{FFFD}"}
    assert store.version_files(project.id) == {"a.txt": f"bin{FFFD}ary{FFFD}"}
    assert [v.message for v in store.versions(project.id)] == [f"make{FFFD}it"]
    (row,) = store.runs(project_id=project.id)
    assert row.request_id == f"req{FFFD}1"
    (step,) = store.run_steps(row.id)
    assert (step["name"], step["input"], step["content"]) == (f"read{FFFD}", {"p": NUL}, f"out{FFFD}put")


def test_checkpoints_updates_and_saves_keep_the_text(store: Store) -> None:
    project = store.create_project("nul")
    mid = store.checkpoint_answer(project.id, f"so{NUL}far")
    assert store.history(project.id)[-1].content == f"so{FFFD}far"
    store.checkpoint_answer(project.id, f"so{NUL}far{NUL}more", message_id=mid)
    store.update_message(mid, content=f"done{NUL}", status="complete")
    assert store.history(project.id)[-1].content == f"done{FFFD}"
    store.add_message(project.id, "user", f"hi{NUL}")
    saved = store.save_project(Project(name="saved", messages=[Message("user", f"x{NUL}y")],
                                       files=[ProjectFile("f.py", f"print(1){NUL}")]))
    assert saved.messages[0].content == f"x{FFFD}y" and saved.files[0].content == f"print(1){FFFD}"
    again = store.save_project(Project(name="saved", id=saved.id,
                                       messages=[Message("user", f"x{NUL}y", id=saved.messages[0].id)],
                                       files=[ProjectFile("f.py", f"print(1){NUL}")]))
    assert len(store.versions(again.id)) == 1  # the same text again is no change
    assert store.get_project("saved").file_map() == {"f.py": f"print(1){FFFD}"}
    store.update_files(project.id, {"g.txt": f"g{NUL}"}, label=f"edit{NUL}")
    assert store.get_project(project.id).file_map()["g.txt"] == f"g{FFFD}"
    assert count(store, "SELECT count(*) FROM messages WHERE content LIKE ?", f"%{FFFD}%") == 3


def test_a_nul_in_a_name_or_a_path_is_refused_and_nothing_is_written(store: Store) -> None:
    project = store.create_project("keep")
    store.update_files(project.id, {"a.txt": "1"})
    with pytest.raises(ProjectError, match="control characters"):
        store.create_project(f"bad{NUL}name")
    with pytest.raises(ExportError, match="control characters"):
        store.update_files(project.id, {f"b{NUL}.txt": "2"})
    with pytest.raises(ExportError, match="control characters"):
        store.record_answer(project.id, "answer", files={f"c{NUL}.txt": "3"})
    assert [p.name for p in store.list_projects()] == ["keep"]
    assert store.get_project(project.id).file_map() == {"a.txt": "1"}


def test_a_prompt_with_a_nul_is_refused_before_it_is_stored_or_sent(store: Store,
                                                                    fake_model: FakeModelServer) -> None:
    from vibing2_lab.session import Ask, Session

    store.create_project("demo")
    with pytest.raises(StoreError, match=r"prompt contains a NUL character \(U\+0000\) at position 5") as err:
        Session(Ask(f"hello{NUL}world", project="demo"))
    assert "Remove the NUL" in str(err.value)
    with pytest.raises(StoreError, match="system text contains a NUL"):
        Session(Ask("hello", project="demo", system=f"be{NUL}brief"))
    assert fake_model.requests == []
    assert store.get_project("demo").messages == []


def test_an_answer_with_a_nul_from_the_model_is_stored_on_both_engines(store: Store,
                                                                       fake_model: FakeModelServer) -> None:
    from vibing2_lab.session import Ask, Session

    fake_model.enqueue(Reply(tokens=["one", NUL, "two"]))
    events = list(Session(Ask("hi", project="demo")).stream())
    assert events[-1].text == f"one{FFFD}two"
    assert [m.content for m in store.get_project("demo").messages] == ["hi", f"one{FFFD}two"]
