"""One self-contained document for the sandboxed preview iframe."""

from __future__ import annotations

from vibing2_lab.store import inline_preview

PAGE = """<!DOCTYPE html>
<html><head>
<link rel="stylesheet" href="css/site.css?v=2">
<link rel="stylesheet" href="https://cdn.example.com/lib.css">
<link rel="icon" href="favicon.ico">
<script src="https://cdn.example.com/lib.js"></script>
<script type="module" src="./js/main.js"></script>
<script src="js/late.js" defer></script>
</head><body><h1>Hi</h1></body></html>"""

FILES = {
    "index.html": PAGE,
    "css/site.css": "h1 { color: red } /* </style> */",
    "js/main.js": "document.title = '</script>';",
    "js/late.js": "console.log(document.querySelector('h1'))",
    "favicon.ico": "not css",
}


def test_local_css_and_js_are_inlined_and_remote_urls_kept() -> None:
    doc = inline_preview(FILES)
    assert doc is not None
    assert "<style>h1 { color: red } /* <\\/style> */</style>" in doc
    assert '<script type="module">document.title = \'<\\/script>\';</script>' in doc
    assert 'href="https://cdn.example.com/lib.css"' in doc and 'src="https://cdn.example.com/lib.js"' in doc
    assert '<link rel="icon" href="favicon.ico">' in doc  # only stylesheets are inlined
    assert 'src="' not in doc.replace('src="https://cdn.example.com/lib.js"', "")


def test_a_deferred_classic_script_runs_after_the_body() -> None:
    doc = inline_preview(FILES)
    assert doc.index("<h1>Hi</h1>") < doc.index("console.log(document.querySelector('h1'))") < doc.index("</body>")


def test_entry_choice_missing_assets_and_no_html() -> None:
    assert inline_preview({"app.py": "print()"}) is None
    assert inline_preview({}) is None
    nested = {"site/page.html": '<link rel=stylesheet href="s.css"><p>', "site/s.css": "p{}"}
    assert inline_preview(nested) == "<style>p{}</style><p>"
    both = {"about.html": "about", "index.html": "home", "docs/index.html": "docs"}
    assert inline_preview(both) == "home"
    assert inline_preview({"index.html": '<script src="gone.js"></script>'}) == '<script src="gone.js"></script>'
    # `..` in a reference cannot reach outside the project's files.
    assert inline_preview({"a/index.html": '<script src="../../x.js"></script>', "x.js": "1"}) == \
        '<script src="../../x.js"></script>'
