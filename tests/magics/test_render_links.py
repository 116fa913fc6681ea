"""javascript:, vbscript: and data: link targets in the saved text/markdown of a hostile
answer are inert: GitHub, nbviewer and JupyterLab render that Markdown without our sandbox
(JupyterLab trusts the outputs of cells it ran), so there such a link ran on the Jupyter
origin. Read by marked (JupyterLab's parser) and by mistune with its URL filter off (a
renderer that links whatever it is given): no runnable href, and the link text still reads."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from tests.magics.test_render_hostile import marked, record
from vibing2_lab.notebook.md_links import disarm_links
from vibing2_lab.notebook.render import escape_markdown_html, render_bundle

HOSTILE = {
    "inline": "[click me](javascript:alert(document.cookie))",
    "upper case": "[click me](JaVaScRiPt:alert(1))",
    "vbscript": "[click me](vbscript:msgbox(1))",
    "data html": "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "image": "![click me](javascript:alert(1))",
    "title": '[click me](javascript:alert(1) "a title")',
    "angle": "[click me](<javascript:alert(1)>)",
    "decimal reference": "[click me](javascript&#58;alert(1))",
    "zero-padded reference": "[click me](&#0000106;avascript:alert(1))",
    "hex reference": "[click me](&#x6A;avascript:alert(1))",
    "named reference": "[click me](javascript&colon;alert(1))",
    "tab reference": "[click me](java&Tab;script:alert(1))",
    "escaped colon": "[click me](javascript\\:alert(1))",
    "leading space": "[click me](   javascript:alert(1))",
    "next line": "[click me](\njavascript:alert(1))",
    "reference link": "[click me][r]\n\n[r]: javascript:alert(1)",
    "reference on the next line": "[click me][r]\n\n[r]:\n  javascript:alert(1)",
    "reference in a quote": "> [click me][r]\n>\n> [r]: javascript:alert(1)",
    "shortcut reference": "[click me]\n\n[click me]: <javascript:alert(1)>",
    "in a list, after a safe link": "- [ok](https://example.org)[click me](javascript:alert(1))",
    "inside bold": "**[click me](javascript:alert(1))**",
}
SAFE = "[docs](https://example.org/a_(b)) [mail](mailto:a@example.org) [file](app.py) [top](#top)"
RUNNABLE = re.compile(r"^(javascript|vbscript|data):")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.hrefs += [found["href"] or ""] if "href" in found else []
        self.srcs += [found["src"] or ""] if "src" in found else []


def as_the_browser_reads(url: str) -> str:
    """What a browser takes an attribute's URL for: references decoded (by the HTML parser
    already), C0 controls and spaces stripped, tabs and newlines dropped, the scheme lower-cased."""
    return re.sub(r"[\t\n\r]", "", html.unescape(url)).strip("\x00 \x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c"
                                                              "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
                                                              "\x1a\x1b\x1c\x1d\x1e\x1f").lower()


def runnable(rendered: str) -> list[str]:
    links = Links()
    links.feed(rendered)
    return [u for u in links.hrefs + links.srcs if RUNNABLE.match(as_the_browser_reads(u))]


def trusting_mistune(markdown: str) -> str:
    """mistune with its URL filter off: links whatever target the Markdown gives."""
    import mistune

    return mistune.create_markdown(renderer=mistune.HTMLRenderer(escape=False, allow_harmful_protocols=True))(markdown)


def saved(text: str) -> str:
    return render_bundle(record(text))["text/markdown"]


@pytest.mark.parametrize("case", [name for name in HOSTILE if name != "tab reference"])  # mistune does not link
def test_the_unguarded_markdown_would_run(case: str) -> None:  # that one; marked does (checked below)
    """The corpus is real: without the guard these links run (at least in one renderer)."""
    assert runnable(trusting_mistune(HOSTILE[case])), trusting_mistune(HOSTILE[case])


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_link_in_the_saved_markdown_is_inert(case: str) -> None:
    markdown = saved(HOSTILE[case])
    rendered = trusting_mistune(markdown)
    assert runnable(rendered) == [], (markdown, rendered)
    assert "click me" in rendered  # the link text is kept


def test_jupyterlabs_parser_links_none_of_them() -> None:
    cases = list(HOSTILE.values())
    before = marked(cases)
    assert all(runnable(h) for h in before), before  # as the model wrote them, marked links every one
    after = marked([saved(text) for text in cases])
    for text, rendered in zip(cases, after):
        assert runnable(rendered) == [] and "click me" in rendered, (text, rendered)


def test_safe_links_and_code_are_untouched() -> None:
    assert disarm_links(SAFE) == SAFE
    assert trusting_mistune(saved(SAFE)).count("<a href=") == 4
    code = "`[x](javascript:alert(1))`\n\n```md\n[x](javascript:alert(1))\n[r]: javascript:x\n```\n"
    assert disarm_links(code) == code
    assert escape_markdown_html("say [click me](javascript:x) <b>") == "say [click me]\\(javascript:x) &lt;b>"


def test_the_escape_is_invisible_where_nothing_was_linked() -> None:
    """A target that only our wider reading flags loses nothing: `\\(` and `\\:` read as ( and :."""
    text = "[note]: javascript: is a URL scheme, [see](java script:x)"
    assert trusting_mistune(disarm_links(text)) == trusting_mistune(text)


@pytest.mark.timeout(60)
def test_a_line_of_openers_stays_linear() -> None:
    text = "](" * 200_000 + "](" + "&Tab;" * 100_000 + "javascript:x)"
    assert disarm_links(text).endswith("]\\(" + "&Tab;" * 100_000 + "javascript:x)")
