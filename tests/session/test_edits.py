"""Follow-up answers applied to the current files (edits.py): one table of answers a model may give."""

from __future__ import annotations

import pytest

from vibing2_lab.edits import apply_answer, files_context, reading_order

CURRENT = {
    "index.html": '<link rel="stylesheet" href="style.css">\n<h1>Todo</h1>\n<script type="module" src="app.js">'
                  "</script>\n",
    "style.css": "body {\n  margin: 0;\n}\nh1 {\n  color: black;\n}\n",
    "app.js": "import { add } from './lib/list.js';\nadd('milk');\n",
    "lib/list.js": "export function add(x) {\n  console.log(x);\n}\n",
}


def edit(path: str, *blocks: tuple[str, str]) -> str:
    body = "".join(f"<<<<<<< SEARCH\n{s}=======\n{r}>>>>>>> REPLACE\n" for s, r in blocks)
    return f'<FILE_EDIT path="{path}">\n{body}</FILE_EDIT>'


CASES = {
    "one line": (edit("style.css", ("  color: black;\n", "  color: blue;\n")),
                 {"style.css": CURRENT["style.css"].replace("black", "blue")}, 0),
    "indentation differs": (edit("style.css", ("h1 {\ncolor: black;\n}\n", "h1 {\ncolor: blue;\n}\n")),
                            {"style.css": CURRENT["style.css"].replace("black", "blue")}, 0),
    "two blocks, two files": (
        "Sure.\n" + edit("style.css", ("margin: 0;\n", "margin: 8px;\n"), ("color: black;\n", "color: red;\n"))
        + "\nand\n" + edit("app.js", ("add('milk');\n", "add('milk');\nadd('eggs');\n")),
        {"style.css": CURRENT["style.css"].replace("0;", "8px;").replace("black", "red"),
         "app.js": CURRENT["app.js"] + "add('eggs');\n"}, 0),
    "two tags for one file": (edit("style.css", ("margin: 0;\n", "margin: 1px;\n")) + "\n"
                              + edit("style.css", ("color: black;\n", "color: teal;\n")),
                              {"style.css": CURRENT["style.css"].replace("0;", "1px;").replace("black", "teal")}, 0),
    "edit blocks in a fence": ("```css title=style.css\n<<<<<<< SEARCH\n  color: black;\n=======\n  color: green;\n"
                               ">>>>>>> REPLACE\n```",
                               {"style.css": CURRENT["style.css"].replace("black", "green")}, 0),
    "whole file": ("```css title=style.css\nh1 { color: blue }\n```",
                   {"style.css": "h1 { color: blue }\n"}, 0),
    "new file": ("```js title=lib/extra.js\nexport const y = 2;\n```", {"lib/extra.js": "export const y = 2;\n"}, 0),
    "new file by an empty search": (edit("notes.md", ("", "# Notes\n")), {"notes.md": "# Notes\n"}, 0),
    "no match": (edit("style.css", ("h2 { color: red; }\n", "h2 { color: blue; }\n")), {}, 1),
    "missing file": (edit("gone.css", ("a\n", "b\n")), {}, 1),
    "unsafe path": (edit("../../etc/passwd", ("", "x\n")), {}, 1),
    "unchanged whole file": (f"```css title=style.css\n{CURRENT['style.css']}```", {}, 0),
    "prose only": ("Looks good to me, nothing to change.", {}, 0),
}


@pytest.mark.parametrize("name", CASES)
def test_answers_change_only_what_they_name(name: str) -> None:
    text, expected, problems = CASES[name]
    change = apply_answer(text, CURRENT)
    assert change.files == expected
    assert len(change.problems) == problems, change.problems
    assert all("skipped" in p for p in change.problems)


def test_context_shows_the_entry_page_then_what_it_references_within_the_budget() -> None:
    assert reading_order(CURRENT) == ["index.html", "style.css", "app.js", "lib/list.js"]
    context = files_context(CURRENT)
    assert context is not None and "<<<<<<< SEARCH" in context
    shown = context[context.index("Current files:"):]
    assert [shown.index(f"title={p}") for p in reading_order(CURRENT)] == sorted(
        shown.index(f"title={p}") for p in CURRENT)
    big = {**CURRENT, "data.csv": "x," * 30_000}
    small_budget = files_context(big, budget=500)
    assert "Not shown" in small_budget and "data.csv (60000 characters)" in small_budget
    assert files_context({}) is None
    fenced = files_context({"README.md": "```py\nx = 1\n```\n"})
    assert "````markdown title=README.md\n```py" in fenced  # a longer fence around content with fences
