"""Follow-ups edit the current app: what the model is told about the project's files, and how its
answer changes them.

`files_context(files)` is added to the system prompt when a project has files: the edit format
(below), then the files themselves within a size budget, the entry page and what it references
first. `apply_answer(text, files)` turns an answer into the files it changes, full contents:

- a whole file, in any form `store.files.extract_files` knows (```css title=style.css ... ```,
  `<FILE_CREATE path="...">`), replaces or creates that file;
- edit blocks (the format the model is told, EDIT_FORMAT below: `<FILE_EDIT path=...>` holding
  `<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE` blocks; the same blocks inside a fenced block
  naming the file work too) change part of a file and leave the rest. SEARCH must match lines of the
  current file; an exact match is tried first, then one that ignores indentation and trailing
  spaces. An edit that matches nothing is skipped and reported in `problems`, never guessed.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Mapping

CONTEXT_BUDGET = 40_000  # characters of file contents shown to the model

EDIT_FORMAT = """\
This project already has files (shown below). When the request changes them, change only what it needs \
and keep everything else as it is.
- To change part of a file, answer with edit blocks; SEARCH copies the current lines exactly, REPLACE \
gives the new ones (several blocks per file are fine, in file order):
<FILE_EDIT path="style.css">
<<<<<<< SEARCH
h1 { color: black; }
=======
h1 { color: blue; }
>>>>>>> REPLACE
</FILE_EDIT>
- To create a file or rewrite one completely, give it whole in a fenced block with its path: \
```css title=style.css
- Do not repeat files that do not change."""

_EDIT_TAG = re.compile(r"<file_edit\s+path\s*=\s*([\"'])(.*?)\1\s*>(.*?)</file_edit\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK = re.compile(r"^[ \t]*<{5,9} ?SEARCH[ \t]*\n(.*?)^[ \t]*={5,9}[ \t]*\n(.*?)^[ \t]*>{5,9} ?REPLACE[ \t]*$",
                    re.MULTILINE | re.DOTALL)
_REF = re.compile(r"""(?:src|href)\s*=\s*["']([^"'#?]+)""", re.IGNORECASE)
_IMPORT = re.compile(r"""(?:import|from)\s*\(?\s*["'](\.{1,2}/[^"']+)["']""")


@dataclass
class AppChange:
    """What an answer does to the project's files."""

    files: dict[str, str] = field(default_factory=dict)  # path -> full new content (changed or new)
    named: list[str] = field(default_factory=list)  # every path the answer gives or edits, changed or not
    problems: list[str] = field(default_factory=list)  # edits that could not be applied, and why


def apply_answer(text: str, current: Mapping[str, str], *, name_unnamed: bool = False) -> AppChange:
    """The files `text` changes, applied to `current` (full contents); unchanged files are left out.
    `name_unnamed`: an unnamed html/css/js block becomes index.html/style.css/script.js (previews)."""
    from .store import extract_files

    change = AppChange()
    work = dict(current)
    edits = [(m.group(2), m.group(3)) for m in _EDIT_TAG.finditer(text)]
    rest = _EDIT_TAG.sub(lambda m: "" if _BLOCK.search(m.group(3)) else m.group(0), text)
    for path, body in edits:
        if _BLOCK.search(body):
            change.named.append(_clean(path))
            _edit(work, change.named[-1], body, change)
    for path, content in extract_files(rest, name_unnamed=name_unnamed).items():
        change.named.append(path)
        if _BLOCK.search(content):
            _edit(work, path, content, change)
        else:
            work[path] = content
    change.files = {p: c for p, c in work.items() if current.get(p) != c}
    return change


def _clean(path: str) -> str:
    from .errors import ExportError
    from .store import safe_relative_path

    try:
        return safe_relative_path(path.strip())
    except ExportError:
        return ""


def _edit(work: dict[str, str], path: str, body: str, change: AppChange) -> None:
    if not path:
        change.problems.append("An edit names an unsafe path; it was skipped.")
        return
    content = work.get(path)
    for n, m in enumerate(_BLOCK.finditer(body), 1):
        search, replace = m.group(1), m.group(2)
        if content is None:
            if search.strip():
                change.problems.append(f"{path}: edit {n} changes a file that does not exist; skipped.")
                continue
            content = ""
        new = _replace_once(content, search, replace)
        if new is None:
            change.problems.append(f"{path}: edit {n} did not match the current file; skipped.")
            continue
        content = new
    if content is not None:
        work[path] = content


def _replace_once(content: str, search: str, replace: str) -> str | None:
    """`content` with `search` replaced by `replace`: exactly, else line by line ignoring indentation
    and trailing spaces (the replacement then takes the file's indentation). None: no match."""
    if not search.strip():
        return content + replace  # an empty SEARCH appends
    if search in content:
        return content.replace(search, replace, 1)
    lines = content.splitlines(keepends=True)
    searched = search.splitlines()
    while searched and not searched[-1].strip():
        searched.pop()
    wanted = [line.strip() for line in searched]
    for i in range(len(lines) - len(wanted) + 1):
        if [line.strip() for line in lines[i:i + len(wanted)]] == wanted:
            moved = _reindent(replace.splitlines(keepends=True), searched, lines[i:i + len(wanted)])
            if moved and not moved[-1].endswith("\n") and i + len(wanted) < len(lines):
                moved[-1] += "\n"
            return "".join(lines[:i] + moved + lines[i + len(wanted):])
    return None


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def _reindent(given: list[str], searched: list[str], matched: list[str]) -> list[str]:
    """Replacement lines moved from the SEARCH text's indentation to the file's, line by line."""
    out = []
    for k, line in enumerate(given):
        ref = min(k, len(searched) - 1)
        theirs, ours = _indent(searched[ref]), _indent(matched[ref])
        out.append(ours + line[len(theirs):] if _indent(line).startswith(theirs) and line.strip() else line)
    return out


def files_context(files: Mapping[str, str], *, budget: int = CONTEXT_BUDGET) -> str | None:
    """What the model is told about the project's current files (None when there are none)."""
    if not files:
        return None
    from .store import language_for

    shown, left_out, used = [], [], 0
    for path in reading_order(files):
        content = files[path]
        if used + len(content) > budget:
            left_out.append(f"{path} ({len(content)} characters)")
            continue
        used += len(content)
        fence = "````" if "```" in content else "```"
        shown.append(f"{fence}{language_for(path) or ''} title={path}\n{content.rstrip(chr(10))}\n{fence}")
    parts = [EDIT_FORMAT, "Current files:", *shown]
    if left_out:
        parts.append("Not shown (too large for this message; to change one, give it whole): "
                     + ", ".join(left_out) + ".")
    return "\n\n".join(parts)


def reading_order(files: Mapping[str, str]) -> list[str]:
    """The entry page, then the files it references (recursively, in order), then the rest by size."""
    from .store.preview import entry_page

    order: list[str] = []
    todo = [entry_page(files)] if entry_page(files) else []
    while todo:
        path = todo.pop(0)
        if path in order or path not in files:
            continue
        order.append(path)
        base = posixpath.dirname(path)
        refs = _REF.findall(files[path]) + _IMPORT.findall(files[path])
        todo.extend(posixpath.normpath(posixpath.join(base, r)).lstrip("/") for r in refs if "://" not in r)
    rest = sorted((p for p in files if p not in order), key=lambda p: (len(files[p]), p))
    return order + rest
