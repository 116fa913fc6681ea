"""Names (projects, agents, models, tools) and error texts in saved Markdown render as the literal
text they are, through real Markdown renderers: mistune (with the GFM and math plugins, raw HTML
let through so a tag that forms is seen) and marked, JupyterLab's parser (tests/magics/
test_render_hostile.py runs it, when node_modules holds it). Covered: the exported notebook's
intro cell, a record's header, tool step and problem lines, and `%vibe history`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

import pytest

from tests.magics.test_markdown_renderers import html_tree
from tests.magics.test_render_hostile import marked
from vibing2_lab.magics.line import history_bundle
from vibing2_lab.notebook.export import export_notebook
from vibing2_lab.notebook.render import render_markdown
from vibing2_lab.store import Store

NAMES = ["[x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "**bold**", "a `tick` b", "# not a heading #",
         "$x^2$ math", "~~struck~~", "&lt;b&gt; &amp;", "snake_case_name_", "a|b|c", "![i](https://e.x/i.png)",
         "<https://e.x>", "a\\*b", "[ref]: javascript:alert(1)", "see https://e.x/p", "www.e.x", "mail a@b.co"]
Tree = list[Any]  # [tag, {attrs}, *children] (test_markdown_renderers.html_tree)


def elements(node: Tree, tag: str) -> list[Tree]:
    found = [node] if node[0] == tag else []
    for child in node[2:]:
        if isinstance(child, list):
            found += elements(child, tag)
    return found


@lru_cache(maxsize=1)
def _mistune() -> Any:
    import mistune

    return mistune.create_markdown(escape=False, plugins=["strikethrough", "table", "math", "url"])


def with_mistune(texts: list[str]) -> list[str]:
    return [_mistune()(text) for text in texts]


RENDERERS: dict[str, Callable[[list[str]], list[str]]] = {"mistune": with_mistune, "marked": marked}


@pytest.fixture(params=list(RENDERERS))
def render(request: pytest.FixtureRequest) -> Callable[[list[str]], list[Tree]]:
    return lambda texts: [html_tree(html) for html in RENDERERS[request.param](texts)]


def only_text(node: Tree) -> str:
    """The text of an element that must hold nothing but text (fails on any child element)."""
    assert all(isinstance(child, str) for child in node[2:]), node
    return "".join(node[2:])


def test_the_intro_cell_of_an_exported_notebook_shows_the_project_name_literally(render: Any) -> None:
    store = Store.open()
    for name in NAMES:
        project = store.create_project(name)
        store.add_message(project.id, "user", "hi")
    intros = [export_notebook(store, name)["cells"][0]["source"] for name in NAMES]
    for name, rendered in zip(NAMES, render(intros)):
        (heading,) = elements(rendered, "h1")
        assert only_text(heading) == name, rendered
        assert only_text(elements(rendered, "strong")[0]) == name, rendered
        assert not elements(rendered, "a") and not elements(rendered, "img"), rendered


def record(name: str) -> dict[str, Any]:
    """A record whose agent, model, tool and error text are all `name`."""
    step = {"text": "partial", "tool_uses": [{"id": "t1", "name": name, "input": {"q": 1}}],
            "results": [{"id": "t1", "status": "ok", "content": "done"}]}
    return {"schema": 1, "mode": "single", "format": "markdown", "prompt": "q", "calls": [
        {"request": {"agent": {"name": name}, "provider": "anthropic", "model": name},
         "response": {"status": "error", "text": "partial", "steps": [step],
                      "error": {"kind": "overloaded", "message": name}}}]}


def test_a_record_s_names_and_error_text_render_literally(render: Any) -> None:
    for name, rendered in zip(NAMES, render([render_markdown(record(name)) for name in NAMES])):
        head, *_ = elements(rendered, "p")
        strong, *facts = head[2:]
        assert only_text(strong) == name, rendered
        assert all(isinstance(fact, str) for fact in facts) and f"anthropic:{name}" in "".join(facts), rendered
        quoted = [only_text(s) for q in elements(rendered, "blockquote") for s in elements(q, "strong")]
        assert f"Tool {name}" in quoted and f"Error (overloaded): {name}" in quoted, rendered
        assert not elements(rendered, "a") and not elements(rendered, "img"), rendered


def test_history_shows_agent_names_literally(render: Any) -> None:
    store = Store.open()
    project = store.create_project("history")
    for name in NAMES:
        store.add_message(project.id, "assistant", "an answer", agent=name)
    markdown = history_bundle(store.history(project.id))["text/markdown"]
    (rendered,) = render([markdown])
    assert [only_text(s) for s in elements(rendered, "strong")] == [f"assistant ({name})" for name in NAMES]
    assert not elements(rendered, "a") and not elements(rendered, "img"), rendered
