"""Generated files found in answers: every form the brief names, and what is left out."""

from __future__ import annotations

import pytest

from vibing2_lab.store import extract_files, language_for

FENCE = "```"


@pytest.mark.parametrize("opening, path", [
    ("```html title=index.html", "index.html"),
    ('```js title="src/app.js"', "src/app.js"),
    ("```js title='src/app.js'", "src/app.js"),
    ("```python path=x.py", "x.py"),
    ("```python filename=pkg/x.py", "pkg/x.py"),
    ("```css:styles/main.css", "styles/main.css"),
    ("```index.html", "index.html"),
    ("```js src/app.js", "src/app.js"),
    ("~~~ts title=a.ts", "a.ts"),
    ("````md title=README.md", "README.md"),
])
def test_info_strings_that_name_a_path(opening: str, path: str) -> None:
    fence = opening[:len(opening) - len(opening.lstrip(opening[0]))]
    answer = f"Here you go:\n\n{opening}\nline 1\n  line 2\n{fence}\n\nEnjoy."
    assert extract_files(answer) == {path: "line 1\n  line 2\n"}


@pytest.mark.parametrize("first_line, path", [
    ("// path: src/app.js", "src/app.js"),
    ("<!-- path: index.html -->", "index.html"),
    ("# path: app.py", "app.py"),
    ("/* file: styles.css */", "styles.css"),
    ("-- filename: schema.sql", "schema.sql"),
])
def test_a_path_comment_on_the_first_line(first_line: str, path: str) -> None:
    answer = f"{FENCE}\n{first_line}\nbody()\n{FENCE}\n"
    # The marker line is dropped: an HTML comment before <!DOCTYPE> would change rendering.
    assert extract_files(answer) == {path: "body()\n"}


def test_vibing2_file_tags_in_any_case_and_with_a_fence_inside() -> None:
    answer = (
        'Creating files.\n<FILE_CREATE path="index.html">\n<!DOCTYPE html>\n<p>hi</p>\n</FILE_CREATE>\n'
        "<file_create path='src/app.js'>\n```js\nconsole.log(1)\n```\n</file_create>\n"
        '<file_edit path="index.html">\n<p>edited</p>\n</file_edit>\n'
    )
    assert extract_files(answer) == {"src/app.js": "console.log(1)\n", "index.html": "<p>edited</p>\n"}


def test_later_blocks_win_and_unnamed_or_unclosed_blocks_are_ignored() -> None:
    answer = (
        f"{FENCE}python\nprint('no name')\n{FENCE}\n"
        f"{FENCE}html title=index.html\nv1\n{FENCE}\n"
        f"{FENCE}html title=index.html\nv2\n{FENCE}\n"
        f"{FENCE}js title=cut.js\nhalf an answ"
    )
    assert extract_files(answer) == {"index.html": "v2\n"}


def test_a_fence_inside_a_longer_fence_is_content() -> None:
    answer = f"````md title=README.md\n# Demo\n{FENCE}sh\nmake\n{FENCE}\n````\n"
    assert extract_files(answer) == {"README.md": f"# Demo\n{FENCE}sh\nmake\n{FENCE}\n"}


@pytest.mark.parametrize("path", ["/etc/passwd", "../up.txt", "a/../../up.txt", "C:/win.ini", "..\\up.txt"])
def test_unsafe_paths_are_left_out(path: str) -> None:
    answer = f"{FENCE}txt title={path}\nx\n{FENCE}\n{FENCE}txt title=ok.txt\ny\n{FENCE}\n"
    assert extract_files(answer) == {"ok.txt": "y\n"}


def test_paths_are_cleaned() -> None:
    assert list(extract_files(f"{FENCE}js title=./src//app.js\nx\n{FENCE}\n")) == ["src/app.js"]


def test_an_answer_without_files() -> None:
    assert extract_files("Just prose, and `inline code`.\n```\nno path\n```") == {}


def test_language_from_extension() -> None:
    assert [language_for(p) for p in ("a.HTML", "b.py", "c.tsx", "Makefile", "d.unknown")] == [
        "html", "python", "tsx", None, None]


def test_unnamed_web_blocks_get_default_names_when_asked() -> None:
    answer = (f"{FENCE}html\n<p>v1</p>\n{FENCE}\n{FENCE}css\np {{}}\n{FENCE}\n{FENCE}python\nprint()\n{FENCE}\n"
              f"{FENCE}html\n<p>v2</p>\n{FENCE}\n{FENCE}js title=../evil.js\nx\n{FENCE}\n{FENCE}js\ngo()\n{FENCE}\n")
    assert extract_files(answer) == {}
    assert extract_files(answer, name_unnamed=True) == {"style.css": "p {}\n", "index.html": "<p>v2</p>\n",
                                                        "script.js": "go()\n"}
    # A path the answer names itself is never overwritten by an unnamed block.
    named = f"{FENCE}html\n<p>bare</p>\n{FENCE}\n{FENCE}html title=./index.html\n<p>named</p>\n{FENCE}\n"
    assert extract_files(named, name_unnamed=True) == {"index.html": "<p>named</p>\n"}


def test_the_files_and_the_static_rendering_agree_on_where_a_block_ends() -> None:
    """One fence scanner (vibing2_lab/fences.py): a fence indented four spaces is code, not a close."""
    from vibing2_lab.notebook.render import close_fences, code_blocks

    answer = "```html title=a.html\n<p>\n    ```\n</p>\n```\nafter\n~~~~css title=b.css\np {}\n~~~\n"
    assert code_blocks(answer) == [("html", "<p>\n    ```\n</p>")]
    assert extract_files(answer) == {"a.html": "<p>\n    ```\n</p>\n"}
    assert close_fences(answer).endswith("~~~\n~~~~")  # the css block (closed by ~~~~ only) is cut off
