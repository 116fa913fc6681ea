"""render.py: the static rendering is a pure, deterministic, script-free function of the record."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from vibing2_lab.notebook.render import (close_fences, code_blocks, code_to_insert, escape_markdown_html, render_bundle,
                                table_bundle)


def call(text: str, *, agent: str | None = "data-analyst", status: str = "complete", **response: object) -> dict:
    return {"request": {"hash": "h", "provider": "anthropic", "model": "claude-sonnet-4-5",
                        "agent": {"name": agent, "sha256": "s", "source": "bundled"} if agent else None},
            "response": {"status": status, "text": text, "usage": {"input_tokens": 12, "output_tokens": 345},
                         "timings": {"ttft": 0.2, "duration": 1.25}, "cost_usd": 0.0052,
                         "error": {"kind": "server", "message": "HTTP 500"} if status == "error" else None,
                         **response}}


def record(*calls: dict, mode: str = "single", **extra: object) -> dict:
    return {"schema": 1, "version": "0.1.0", "cell_id": "c1", "mode": mode, "project": "p", "prompt": "q",
            "calls": list(calls), **extra}


class Tags(HTMLParser):
    """Every tag and attribute of an HTML string."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


ALLOWED_TAGS = {"div", "section", "p", "strong", "em", "del", "code", "pre", "span", "a", "h1", "h2", "h3", "h4", "h5",
                "h6", "ul", "ol", "li", "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRS = {"class", "style", "href", "rel", "title", "data-vibe-status", "data-vibe-mode", "start", "align"}


def assert_script_free(html: str) -> None:
    for tag, attrs in tags_of(html):
        assert tag in ALLOWED_TAGS, tag
        assert set(attrs) <= ALLOWED_ATTRS, attrs
        href = (attrs.get("href") or "").strip().lower()
        assert not href or href.startswith(("http:", "https:", "mailto:", "#")), href


def test_bundle_has_the_three_static_mimetypes_with_facts_and_text() -> None:
    bundle = render_bundle(record(call("Use **GROUP BY**.")))
    assert list(bundle) == ["text/plain", "text/markdown", "text/html"]
    facts = "anthropic:claude-sonnet-4-5 · complete · 1.2 s elapsed · 12 in / 345 out tokens · $0.0052"
    assert bundle["text/plain"] == f"── data-analyst · {facts} ──\nUse **GROUP BY**."
    assert bundle["text/markdown"] == f"**data-analyst** · {facts.replace('$', chr(92) + '$')}\n\nUse **GROUP BY**.\n"
    assert "<strong>GROUP BY</strong>" in bundle["text/html"]
    assert 'data-vibe-status="complete"' in bundle["text/html"]


def test_rendering_is_deterministic_and_does_not_change_the_record() -> None:
    rec = record(call("a"), call("b", agent="sql-expert"), mode="fanout")
    before = copy.deepcopy(rec)
    assert render_bundle(rec) == render_bundle(json.loads(json.dumps(rec)))
    assert rec == before


def test_version_and_cell_id_do_not_change_the_rendering() -> None:
    a = record(call("same"))
    b = dict(a, version="9.9.9", cell_id="other")
    assert render_bundle(a) == render_bundle(b)


def test_model_html_is_escaped_and_links_are_safe() -> None:
    text = ("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) "
            "[y](https://example.org) ![pixel](https://tracker.example/p.png) <b onclick=x>bold</b>\n\n"
            "```html\n<script>evil()</script>\n```\n")
    bundle = render_bundle(record(call(text)))
    html = bundle["text/html"]
    assert_script_free(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="#unsafe-link"' in html and 'href="https://example.org"' in html
    assert "[image: pixel]" in html and "<img" not in html
    # Markdown consumers trust cell outputs: raw HTML is made literal there too, code is untouched
    md = bundle["text/markdown"]
    assert "&lt;script>alert(1)&lt;/script>" in md and "&lt;img src=x" in md
    assert "```html\n<script>evil()</script>\n```" in md


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["<script>", "</script>", "<img src=x onerror=y>", "<a href='javascript:x'>",
                                 "[l](javascript:alert(1))", "[l](data:text/html,x)", "`<b>`", "```", "```html\n",
                                 "\n", "\n\n", "**", "_", "<iframe srcdoc=x>", "<svg onload=x>", "text", "> ",
                                 "- ", "| a | b |\n|---|---|\n", "<style>", "&lt;", "<!--", "-->", "![i](x.png)"]),
                max_size=30))
def test_any_answer_renders_script_free(pieces: list[str]) -> None:
    text = "".join(pieces)
    for status in ("complete", "cancelled"):
        for fmt in ("markdown", "text"):
            assert_script_free(render_bundle(record(call(text, status=status), format=fmt))["text/html"])


def test_cut_off_code_is_closed_so_later_answers_are_not_swallowed() -> None:
    assert close_fences("x\n```python\ny = 1") == "x\n```python\ny = 1\n```"
    assert close_fences("```\na\n```\n") == "```\na\n```\n"
    md = render_bundle(record(call("```python\nprint(", status="cancelled"), call("second"), mode="fanout"))
    assert "print(\n```" in md["text/markdown"]
    assert md["text/markdown"].index("**data-analyst**", 10) < md["text/markdown"].index("second")


def test_errors_and_cancellations_are_stated() -> None:
    error = render_bundle(record(call("partial", status="error")))
    assert "Error (server): HTTP 500" in error["text/markdown"] and "[Error (server): HTTP 500]" in error["text/plain"]
    assert 'data-vibe-status="error"' in error["text/html"]
    cancelled = render_bundle(record(call("half", status="cancelled")))
    assert "Stopped before the answer was complete" in cancelled["text/markdown"]


def test_text_format_shows_preformatted_text_without_markdown() -> None:
    bundle = render_bundle(record(call("**not bold** <i>"), format="text"))
    assert "text/markdown" not in bundle
    assert "<pre>**not bold** &lt;i&gt;</pre>" in bundle["text/html"]


def test_records_with_missing_fields_still_render() -> None:
    bare = {"calls": [{"request": {"agent": None}, "response": {"status": "complete", "text": "hi"}}]}
    bundle = render_bundle(bare)
    assert bundle["text/plain"] == "── answer · complete ──\nhi"
    assert render_bundle({"calls": []})["text/plain"] == "(no answer)"


def test_code_to_insert_prefers_python_and_the_answer_that_counts() -> None:
    text = "a\n```bash\npip x\n```\n```python\nx = 1\n```\ntext\n```\ny = 2\n```\n"
    assert code_blocks(text) == [("bash", "pip x"), ("python", "x = 1"), ("", "y = 2")]
    assert code_to_insert(record(call(text))) == "x = 1\n\ny = 2"
    assert code_to_insert(record(call("```sql\nselect 1\n```"))) == "select 1"
    assert code_to_insert(record(call("no code"))) is None
    assert code_to_insert(record(call("```python\nx\n```", status="error"))) is None
    chain = record(call("```python\nfirst\n```"), call("```python\nlast\n```"), mode="chain")
    assert code_to_insert(chain) == "last"
    fanout = record(call("```python\nfirst\n```"), call("```python\nlast\n```"), mode="fanout")
    assert code_to_insert(fanout) == "first"


def test_escape_markdown_html_leaves_code_spans_and_fences_alone() -> None:
    text = "a <b> `<i>` ``x <y> z``\n```\n<div>\n```\n<p>"
    assert escape_markdown_html(text) == "a &lt;b> `<i>` ``x <y> z``\n```\n<div>\n```\n&lt;p>"


def test_table_bundle_aligns_and_escapes() -> None:
    bundle = table_bundle(("name", "n"), [("<b>x</b>", 1), ("long name", None)], caption="T")
    assert bundle["text/plain"].splitlines() == ["T", "name       n", "---------  -", "<b>x</b>   1", "long name"]
    assert "<td>&lt;b&gt;x&lt;/b&gt;</td>" in bundle["text/html"] and "<caption>T</caption>" in bundle["text/html"]
