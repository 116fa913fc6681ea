"""Answers in Markdown that the widget (widget/static/markdown.js) and the saved outputs
(notebook/render.py, mistune) must render to the same structure: blocks, inline styles,
links, code and escaped raw HTML. Add a case here when either renderer changes."""

CORPUS = [
    "Plain paragraph.\nSecond line of it.",
    "# Title\n\n## Section\n\nText after.",
    "Some **bold**, *italic*, _also italic_, __also bold__ and ~~gone~~ words.",
    "Inline `code` and ``code with ` tick``.",
    "```python\ndef f(x):\n    return x * 2  # twice\n```",
    "```\nno language\n  indented\n```\n\nAfter the block.",
    "- one\n- two\n- three",
    "1. first\n2. second\n3. third",
    "3. starts at three\n4. then four",
    "- outer\n  - inner one\n  - inner two\n- outer again",
    "> quoted text\n> more quote",
    "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |",
    "Before\n\n---\n\nAfter",
    "A [safe link](https://example.org) and <https://example.com/x>.",
    "Raw <script>alert('x')</script> and <b>tags</b> stay text.",
    "An image ![chart](https://example.org/c.png) becomes a link.",
    "Escaped \\*not emphasis\\* here.",
    "Mixed: **bold with `code` inside** and a list:\n\n- item with *em*\n- item with [link](https://a.example)",
]
