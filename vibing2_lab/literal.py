"""Outside text shown as literal text: the one rule for a terminal and the one for Markdown.

Names (projects, agents, tools, models, file paths), model answers and upstream error texts
come from outside. Two places would act on them instead of showing them:

- a terminal acts on ESC and the other C0/C1 controls: `\\x1b]52;c;…\\x07` writes the user's
  clipboard, `\\x1b]8;;url\\x07` makes a hidden link, `\\x1b[2J` clears the screen, U+009B is a
  one-character CSI. `terminal_text` shows each control but `\\n` and `\\t` as its JSON escape
  (`\\u001b`). The rule is per character, so a sequence split across two streamed chunks is
  neutralised as well as a whole one, and it leaves JSON text valid and lossless: json.dumps
  escapes C0 itself, and a raw DEL or C1 can only sit inside a JSON string, where `\\u009b`
  means the same character. `TerminalText` applies it to a whole stream (the CLI's stdout and
  stderr).
- a Markdown renderer (GitHub, nbviewer, JupyterLab, VS Code; none with our sandbox) turns
  `[x](javascript:…)`, `<img onerror=…>`, `**b**`, `` ` ``, `#`, `$x$` into links, HTML, format
  or math. `markdown_text` makes a name render as itself within a line: every control as its
  escape, the Markdown specials and what GFM links by itself (`://`, `www.`, `@`) backslash-
  escaped, `&`, `<` and `>` as HTML entities (which every renderer reads as text, CommonMark or
  not). For HTML, `html.escape` is the rule.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

# C0 but \t and \n, DEL, C1: what a terminal acts on; and the bidirectional embeddings, overrides
# and isolates (U+202A-U+202E, U+2066-U+2069), which reorder what is shown around them ("Trojan
# Source", CVE-2021-42574) in a terminal and in a rendered page alike.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_TERMINAL_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_ANY_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
# What makes inline Markdown (or a heading's closing #, a table cell, math, a mail link) out of text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|$~@])")
# What GFM (GitHub, marked, mistune's url plugin) links by itself: `scheme://...`, `www.`, and
# an e-mail address (`@` above); each is found in the source text, so one backslash breaks it.
_AUTOLINK = re.compile(r"((?<![A-Za-z0-9])(?i:www)(?=\.)|(?=://))")


def _escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"


def terminal_text(text: str) -> str:
    """`text` with each control a terminal would act on (C0 but newline and tab, DEL, C1, and the
    bidirectional overrides) shown as its `\\uXXXX` escape."""
    return _TERMINAL_CONTROL.sub(_escape, text)


def markdown_text(text: str) -> str:
    """Outside text (a name, a path, an error line) that renders as itself within a Markdown line."""
    import html  # here: the CLI imports this module and html costs ~3 ms of its start-up

    one_line = _ANY_CONTROL.sub(_escape, text)  # a newline would start a new block
    escaped = _AUTOLINK.sub(r"\1\\", _MARKDOWN_SPECIAL.sub(r"\\\1", one_line))
    return html.escape(escaped, quote=False)


class TerminalText:
    """A text stream that writes everything through `terminal_text` (the rest is the stream's)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, text: str) -> int:
        self.out.write(terminal_text(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding, fileno, ...
        return getattr(self.out, name)
