"""The static text/markdown of hostile answers (the hostile-notebooks audit), read by marked, the
Markdown parser JupyterLab renders trusted outputs with: no model-made tag survives, and a small
answer made of backtick runs renders at once (it used to take minutes)."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from vibing2_lab.notebook.render import code_spans, escape_markdown_html, render_bundle

REPO = Path(__file__).resolve().parents[2]
EVIL = "<img src=x onerror=alert(1)>"
HOSTILE = [f"``{EVIL}`", f"\\`{EVIL}`", f"a ``b`` ``{EVIL}` c", f"\\\\\\`{EVIL}`", f"`a``{EVIL}`` `",
           f"`x` {EVIL} `y`", f"```{EVIL}``", f"`` `{EVIL}` ``` "]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [tag] + [name for name, _ in attrs if name.startswith("on")]


def marked(texts: list[str]) -> list[str]:
    """Each text rendered to HTML by the node_modules marked (JupyterLab's Markdown parser)."""
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "marked").exists():
        pytest.skip("node or marked is not installed")
    script = ("const {marked} = require('marked'); let s = ''; process.stdin.on('data', d => s += d);"
              "process.stdin.on('end', () => console.log(JSON.stringify(JSON.parse(s).map(t => marked.parse(t)))));")
    out = subprocess.run([node, "-e", script], input=json.dumps(texts), capture_output=True, text=True,
                         cwd=REPO, timeout=60, check=True)
    return json.loads(out.stdout)


def record(text: str) -> dict:
    return {"schema": 1, "mode": "single", "format": "markdown", "prompt": "q",
            "calls": [{"request": {}, "response": {"status": "complete", "text": text}}]}


def test_no_tag_of_an_answer_survives_in_the_markdown_jupyterlab_renders() -> None:
    rendered = marked([render_bundle(record(text))["text/markdown"] for text in HOSTILE])
    for text, html in zip(HOSTILE, rendered):
        tags = Tags()
        tags.feed(html)
        assert "img" not in tags.found and "onerror" not in tags.found, (text, html)


def test_code_spans_are_the_ones_marked_finds() -> None:
    texts = ["`a` <b> ``c`` `d", "`` `a` `` x", "``a`b``", "`a\\`", "\\``a``", "x ` y", "`<x>\\``"]
    rendered = marked(texts)
    for text, html in zip(texts, rendered):
        assert html.count("<code>") == len(code_spans(text)), (text, html)
    assert escape_markdown_html("`<b>` <b>") == "`<b>` &lt;b>"  # code keeps its text, the rest is literal


@pytest.mark.timeout(60)  # the old regex needed minutes for 20 KB and hours for this: a hang fails the test
def test_an_answer_of_backtick_runs_of_growing_length_renders() -> None:
    text = "".join("`" * n + "<a>" for n in range(1, 400))  # 80 KB, no two runs of one length: no span
    markdown = render_bundle(record(text))["text/markdown"]
    assert markdown.count("&lt;a>") == 399 and "<a>" not in markdown


def test_the_widget_renders_backtick_runs_at_once_and_like_the_saved_output(tmp_path: Path) -> None:
    """The widget's own renderer (widget/static/markdown.js, in Node): its code-span regex took
    seconds per re-render of 20 KB of backtick runs, and it re-renders as the answer streams."""
    from tests.magics.test_markdown_renderers import HERE, html_tree, normal
    from vibing2_lab.notebook.render import close_fences, markdown_to_html
    from vibing2_lab.widget.panel import panel_module

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    texts = ["".join("`" * n + "a" for n in range(1, 400)), "``a` `b`` `c` ``d", f"``{EVIL}`"]
    module = tmp_path / "panel.mjs"
    module.write_text(panel_module() + "\nexport { renderMarkdown };\n", encoding="utf-8")
    out = subprocess.run([node, str(HERE / "markdown_dom.mjs"), str(module)], input=json.dumps(texts),
                         capture_output=True, text=True, timeout=60, check=True)  # minutes before the fix
    for text, tree in zip(texts, json.loads(out.stdout)):
        assert normal(tree) == normal(html_tree(markdown_to_html(close_fences(text)))), text[:40]
