"""The widget's Markdown renderer (widget/static/markdown.js, run in Node on a minimal DOM) and
the saved outputs' (notebook/render.py, mistune) give the same structure for one corpus.

Why two (three with the sidebar's rendermime): see "Markdown, three ways" in notebook/render.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.magics.markdown_corpus import CORPUS
from vibing2_lab.notebook.render import close_fences, markdown_to_html
from vibing2_lab.widget.panel import panel_module

HERE = Path(__file__).resolve().parent
Tree = list[Any]  # [tag, {attrs}, *children]; a child is a Tree or a str

# What differs by design and carries no meaning: wrappers, the code bar's buttons, highlighting.
UNWRAP = {"div", "span", "#fragment"}
KEEP_ATTRS = {"a": ("href",), "ol": ("start",)}


class _TreeBuilder(HTMLParser):
    VOID = {"br", "hr", "img"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: Tree = ["div", {}]
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node: Tree = [tag, {k: v or "" for k, v in attrs}]
        self.stack[-1].append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].append(data)


def html_tree(html: str) -> Tree:
    builder = _TreeBuilder()
    builder.feed(html)
    return builder.root


def normal(node: Tree, *, pre: bool = False) -> list[Any]:
    """The node as comparable structure: wrappers and buttons gone, whitespace collapsed outside <pre>."""
    tag, attrs, *children = node
    if tag == "button" or "vibe-code-bar" in attrs.get("class", ""):
        return []
    inside_pre = pre or tag == "pre"
    flat: list[Any] = []
    for child in children:
        parts = [child] if isinstance(child, str) else normal(child, pre=inside_pre)
        for part in parts:
            if isinstance(part, str) and flat and isinstance(flat[-1], str):
                flat[-1] += part
            else:
                flat.append(part)
    if not inside_pre:
        flat = [" ".join(p.split()) if isinstance(p, str) else p for p in flat]
        flat = [p for p in flat if p != ""]
    if tag in UNWRAP or (pre and tag == "code"):
        return flat
    kept = {k: attrs[k] for k in KEEP_ATTRS.get(tag, ()) if k in attrs}
    if inside_pre and flat and isinstance(flat[-1], str):
        flat[-1] = flat[-1].rstrip("\n")
    return [[tag, kept, *flat]]


@pytest.fixture(scope="module")
def widget_trees(tmp_path_factory: pytest.TempPathFactory) -> list[Tree]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    module = tmp_path_factory.mktemp("panel") / "panel.mjs"
    module.write_text(panel_module() + "\nexport { renderMarkdown };\n", encoding="utf-8")
    out = subprocess.run([node, str(HERE / "markdown_dom.mjs"), str(module)], input=json.dumps(CORPUS),
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("index", range(len(CORPUS)), ids=[c[:30] for c in CORPUS])
def test_the_widget_and_the_saved_output_render_the_same_structure(widget_trees: list[Tree], index: int) -> None:
    text = CORPUS[index]
    saved = normal(html_tree(markdown_to_html(close_fences(text))))
    assert normal(widget_trees[index]) == saved
