"""One self-contained HTML document from a project's files, for a sandboxed iframe's `srcdoc`.

A `srcdoc` document has no base URL, so `<link href="styles.css">` and
`<script src="app.js">` would load nothing: their contents are inlined instead.
Remote URLs are left alone. Show the result only in `<iframe sandbox="allow-scripts">`, finished
by the preview policy (`vibing2_lab.preview.PreviewPolicy.document` puts the CSP first).
"""

from __future__ import annotations

import html
import posixpath
import re
from typing import Mapping

_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b([^>]*)>\s*</script\s*>", re.IGNORECASE)
_ATTR = re.compile(r"([\w:-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def inline_preview(files: Mapping[str, str], *, entry: str | None = None) -> str | None:
    """The entry HTML (default: index.html) with its local CSS and JS inlined; None if no HTML."""
    entry = entry or entry_page(files)
    if entry is None or entry not in files:
        return None
    inliner = _Inliner(files, posixpath.dirname(entry))
    doc = _SCRIPT.sub(inliner.script, _LINK.sub(inliner.link, files[entry]))
    if inliner.deferred:
        end = _BODY_END.search(doc)
        at = end.start() if end else len(doc)
        doc = doc[:at] + "".join(inliner.deferred) + doc[at:]
    return doc


class _Inliner:
    """Replacement functions for `<link>` and `<script>` tags that name a project file."""

    def __init__(self, files: Mapping[str, str], base: str) -> None:
        self.files, self.base = files, base
        self.deferred: list[str] = []

    def local(self, ref: str | None) -> str | None:
        """The content of a project file referenced from the entry page (never a URL or `..`)."""
        if not ref or _REMOTE.match(ref):
            return None
        path = posixpath.normpath(posixpath.join(self.base, ref.split("#")[0].split("?")[0]))
        return None if path.startswith("..") else self.files.get(path.lstrip("/"))

    def link(self, m: re.Match[str]) -> str:
        attrs = _attrs(m.group(0)[5:-1])
        css = self.local(attrs.get("href")) if "stylesheet" in attrs.get("rel", "").lower().split() else None
        if css is None:
            return m.group(0)
        media = f' media="{html.escape(attrs["media"])}"' if attrs.get("media") else ""
        return f"<style{media}>{_escape_end(css, 'style')}</style>"

    def script(self, m: re.Match[str]) -> str:
        attrs = _attrs(m.group(1))
        js = self.local(attrs.get("src"))
        if js is None:
            return m.group(0)
        kept = "".join(f' {k}="{html.escape(v)}"' if v else f" {k}"
                       for k, v in attrs.items() if k not in ("src", "defer", "async", "integrity", "crossorigin"))
        tag = f"<script{kept}>{_escape_end(js, 'script')}</script>"
        # An inline classic script ignores `defer`: run it after the page instead, as intended.
        if "defer" in attrs and attrs.get("type", "").lower() != "module":
            self.deferred.append(tag)
            return ""
        return tag


def entry_page(files: Mapping[str, str]) -> str | None:
    """The page a preview opens by default: the shallowest index.html, else the first HTML file."""
    pages = sorted((p for p in files if p.lower().endswith((".html", ".htm"))),
                   key=lambda p: (p.count("/"), posixpath.basename(p).lower() != "index.html", p))
    return pages[0] if pages else None


def _attrs(text: str) -> dict[str, str]:
    return {m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "")
            for m in _ATTR.finditer(text)}


def _escape_end(code: str, tag: str) -> str:
    """Keep inlined code from closing its own element early."""
    return re.sub(rf"</({tag})", r"<\\/\1", code, flags=re.IGNORECASE)
