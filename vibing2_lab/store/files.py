"""Generated files: found in an answer's text, named by path.

Recognised forms (a later block for the same path wins):

    ```html title=index.html          ```js title="src/app.js"        ```python path=x.py
    ```css:styles.css                 ```index.html                    ```js src/app.js
    ```js                             <!-- path: index.html -->   (first line of a block;
    // path: src/app.js               # path: app.py               the line is dropped)
    <FILE_CREATE path="index.html">...</FILE_CREATE>   (also FILE_UPDATE, FILE_EDIT, any case)

Paths that could not be exported safely (absolute, `..`, drive letters) are left out.
With `name_unnamed=True`, an unnamed html/css/js block becomes index.html/style.css/script.js.
`export_files` and `inline_preview` live beside this module and are re-exported here.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .. import fences
from ..errors import ExportError
from .export import export_files, safe_relative_path
from .preview import inline_preview

__all__ = ["extract_files", "export_files", "inline_preview", "language_for"]

_TAG = re.compile(r"<(file_create|file_update|file_edit)\s+path\s*=\s*([\"'])(.*?)\2\s*>(.*?)</\1\s*>",
                  re.IGNORECASE | re.DOTALL)
_ATTR = re.compile(r"\b(title|path|file|filename)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|(\S+))", re.IGNORECASE)
_LANG_PATH = re.compile(r"^[\w+#.-]+:(\S+)$")
_FILE_LIKE = re.compile(r"^[\w@~.-]*[\w/@~.-]*\.[A-Za-z0-9]{1,10}$")
_KEY = r"(?:path|file|filename)\s*:\s*"
_PATH_COMMENTS = [
    re.compile(rf"^\s*(?://|#|--|;)\s*{_KEY}(\S+)\s*$", re.IGNORECASE),
    re.compile(rf"^\s*<!--\s*{_KEY}(\S+?)\s*-->\s*$", re.IGNORECASE),
    re.compile(rf"^\s*/\*\s*{_KEY}(\S+?)\s*\*/\s*$", re.IGNORECASE),
]

_LANGUAGES = {
    "html": "html", "htm": "html", "css": "css", "js": "javascript", "mjs": "javascript",
    "cjs": "javascript", "jsx": "jsx", "ts": "typescript", "tsx": "tsx", "py": "python",
    "json": "json", "md": "markdown", "svg": "svg", "sql": "sql", "sh": "bash", "yml": "yaml",
    "yaml": "yaml", "toml": "toml", "txt": "text", "csv": "csv", "xml": "xml", "r": "r",
    "ipynb": "json", "vue": "vue", "svelte": "svelte", "go": "go", "rs": "rust", "java": "java",
}


def language_for(path: str) -> str | None:
    """The language of a file from its extension (None if unknown)."""
    _, dot, ext = path.rpartition(".")
    return _LANGUAGES.get(ext.lower()) if dot else None


# With `name_unnamed=True`: an unnamed block in one of these languages becomes this file
# (unless the answer names that path itself), so a bare ```html answer still has a preview.
DEFAULT_NAMES = {"html": "index.html", "css": "style.css", "javascript": "script.js", "js": "script.js"}


class _Block(NamedTuple):
    offset: int
    path: str | None
    language: str
    content: str


def extract_files(answer: str, *, name_unnamed: bool = False) -> dict[str, str]:
    """The files an answer names, as {clean relative path: content}, in order of appearance."""
    blocks = [_Block(m.start(), m.group(3), "", _tag_body(m.group(4))) for m in _TAG.finditer(answer)]
    # Blank out the tags (keeping offsets) so fences inside them are not counted twice.
    blocks += _fenced_blocks(_TAG.sub(lambda m: " " * (m.end() - m.start()), answer))
    # Clean the named paths; an unsafe one becomes "" (skipped, and never given a default name).
    blocks = [b if b.path is None else b._replace(path=_clean(b.path)) for b in blocks]
    if name_unnamed:
        named = {b.path for b in blocks}
        blocks = [b._replace(path=DEFAULT_NAMES[b.language])
                  if b.path is None and DEFAULT_NAMES.get(b.language) not in (None, *named) else b for b in blocks]
    files: dict[str, str] = {}
    for block in sorted((b for b in blocks if b.path), key=lambda b: b.offset):
        files.pop(block.path, None)  # re-insert so the order follows the last version
        files[block.path] = block.content
    return files


def _clean(raw: str) -> str:
    try:
        return safe_relative_path(raw.strip().strip("`\"'"))
    except ExportError:
        return ""


def _tag_body(body: str) -> str:
    body = re.sub(r"\A[ \t]*\n", "", body).rstrip()
    lines = body.split("\n")
    # Some models wrap the tag's content in a fence as well.
    opened = fences.opening(lines[0])
    if len(lines) >= 2 and opened and fences.closes(lines[-1], opened[0]):
        lines = lines[1:-1]
    return "\n".join(lines) + "\n" if any(lines) else ""


def _fenced_blocks(text: str) -> list[_Block]:
    """Every closed fenced block, with the path it names (or None); an unclosed one is no file."""
    out, offset, start, body = [], 0, 0, []
    for line in fences.scan(text):
        if line.kind == "open":
            start, body = offset, []
        elif line.kind == "code":
            body.append(line.text)
        elif line.kind == "close":
            out.append(_block(start, line.info, body))
        offset += len(line.text) + 1
    return out


def _block(offset: int, info: str, body: list[str]) -> _Block:
    path = _path_from_info(info)
    if path is None and body:
        path = _path_from_comment(body[0])
        if path is not None:
            body = body[1:]
    language = info.split()[0].lower() if info else ""
    return _Block(offset, path, language, "\n".join(body) + "\n" if body else "")


def _path_from_info(info: str) -> str | None:
    attr = _ATTR.search(info)
    if attr:
        return next(g for g in attr.groups()[1:] if g is not None)
    tokens = info.split()
    if not tokens:
        return None
    lang_path = _LANG_PATH.match(tokens[0])
    if lang_path and _FILE_LIKE.match(lang_path.group(1)):
        return lang_path.group(1)
    for token in tokens[:2]:
        if _FILE_LIKE.match(token) and not token.startswith("."):
            return token
    return None


def _path_from_comment(line: str) -> str | None:
    for pattern in _PATH_COMMENTS:
        m = pattern.match(line)
        if m:
            return m.group(1)
    return None
