"""Markdown to safe HTML (mistune + Pygments) for the static renderings (render.py): raw HTML
escaped, links only to http(s)/mailto/fragments, images never load, code highlighted with
inline styles."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any


def markdown_to_html(text: str) -> str:
    """Markdown → HTML with raw HTML escaped, unsafe links neutralised and code highlighted."""
    return _markdown()(text)


@lru_cache(maxsize=1)
def _markdown() -> Any:
    import mistune

    class SafeRenderer(mistune.HTMLRenderer):
        """Escapes raw HTML; links only to http(s)/mailto/fragments; images never load."""

        def safe_url(self, url: str) -> str:
            if not re.match(r"^(https?:|mailto:|#)", url.strip(), re.IGNORECASE):
                return "#unsafe-link"
            return super().safe_url(url)

        def link(self, text: str, url: str, title: str | None = None) -> str:
            extra = f' title="{html.escape(title)}"' if title else ""
            return f'<a href="{self.safe_url(url)}" rel="noopener noreferrer nofollow"{extra}>{text}</a>'

        def image(self, text: str, url: str, title: str | None = None) -> str:
            return self.link(f"[image: {text or 'untitled'}]", url, title)

        def block_code(self, code: str, info: str | None = None) -> str:
            return highlight_html(code, (info or "").split()[0] if info and info.split() else "")

    return mistune.create_markdown(renderer=SafeRenderer(escape=True), plugins=["table", "strikethrough"])


def highlight_html(code: str, language: str) -> str:
    """A `<pre>` block of `code`, highlighted with inline styles when Pygments knows `language`."""
    lexer = _lexer(language.lower())
    if lexer is None:
        cls = f' class="language-{html.escape(language)}"' if language else ""
        return f"<pre><code{cls}>{html.escape(code)}</code></pre>\n"
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    return highlight(code, lexer, HtmlFormatter(noclasses=True, nobackground=True))


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    if not language:
        return None
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None
