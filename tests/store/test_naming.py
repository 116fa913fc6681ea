"""Untitled projects are named from their first prompt (store/naming.py), once; renaming stays possible."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.store import Store
from vibing2_lab.store.naming import title_from_prompt


@pytest.mark.parametrize("prompt, name", [
    ("Build a todo app with dark mode", "build-todo-app-dark-mode"),
    ("  Créez une page: café & crème!! ", "creez-une-page-cafe-creme"),
    ("make me a landing page for my lemonade stand please", "make-landing-page-lemonade-stand"),
    ("2024 2025", "untitled"),  # digits only would read as an id
    ("???", "untitled"),
    ("word " * 40, "word-word-word-word-word-word"),
])
def test_title_from_prompt(prompt: str, name: str) -> None:
    assert title_from_prompt(prompt) == name


def test_untitled_projects_take_the_first_prompt_as_name_once(store: Store) -> None:
    first, second = store.create_untitled(), store.create_untitled()
    assert (first.name, second.name) == ("untitled", "untitled-2")
    assert store.name_from_prompt(first.id, "Build a todo app") == "build-todo-app"
    assert store.name_from_prompt(first.id, "Now make it blue") is None  # named already
    assert store.name_from_prompt(second.id, "Build a todo app") == "build-todo-app-2"  # names stay unique
    named = store.create_project("mine")
    assert store.name_from_prompt(named.id, "Build a todo app") is None  # a chosen name is never replaced
    assert store.rename_project(first.id, "todo").name == "todo"  # and the given name is editable


def test_cli_ask_into_an_untitled_project_names_it(fake_model: FakeModelServer) -> None:
    out = run_cli("projects", "create")
    assert out.returncode == 0 and "'untitled'" in out.stdout, out.stderr
    fake_model.enqueue(Reply(text="ok"))
    assert run_cli("ask", "--project", "untitled", "Sketch a weather dashboard").returncode == 0
    names = [p.name for p in Store.open().list_projects()]
    assert names == ["sketch-weather-dashboard"]

