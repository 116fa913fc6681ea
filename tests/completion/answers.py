"""A table of model answers and the continuation the editor must show for each.

Shared by the unit tests (trim.visible, streamed character by character) and the server
tests (the same answers sent by the fake model server through POST complete)."""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    name: str
    answer: str  # what the model sends
    prefix: str
    suffix: str
    expected: str  # what the editor shows
    language: str = "python"


FIB = "def fib(n):\n    "
CASES = [
    Case("clean continuation", "n):\n    return n", "def fib(", "", "n):\n    return n"),
    Case("echoed current line", "def fib(n):\n    return n", "def fib(", "", "n):\n    return n"),
    Case("echoed line without its indent", "return a + b", "def add(a, b):\n    return", "", " a + b"),
    Case("echoed whole prefix", "import os\nimport sys\nprint(sys.argv)", "import os\nimport sys\n", "",
         "print(sys.argv)"),
    Case("fenced code", "```python\nif n < 2:\n    return n\n```", FIB, "", "if n < 2:\n    return n"),
    Case("fenced, echo inside", "```python\ndef fib(n):\n    if n < 2:\n        return n\n```", "def fib(", "",
         "n):\n    if n < 2:\n        return n"),
    Case("prose before the fence", "Here is the completion:\n```\nreturn n * 2\n```", FIB, "",
         "return n * 2"),
    Case("prose lead-in without fence", "Here is the rest:\nreturn n * 2", FIB, "", "return n * 2"),
    Case("trailing prose after the fence", "```py\nreturn 1\n```\nThis returns one, as asked.", FIB, "",
         "return 1"),
    Case("trailing prose after a blank line", "return fib(n - 1) + fib(n - 2)\n\nThis is the recursive "
         "Fibonacci definition.", FIB, "", "return fib(n - 1) + fib(n - 2)"),
    Case("a comment after a blank line is code", "x = 1\n\n# Now plot it", "", "", "x = 1\n\n# Now plot it"),
    Case("rest of the line repeated", "df.head())", "print(", ")", "df.head()"),
    Case("runs on into the next cell line", "a = 1\nb = 2\nprint(a + b)", "import os\n", "\nprint(a + b)",
         "a = 1\nb = 2"),
    Case("cursor marker copied", "<CURSOR>n):\n    return n", "def fib(", "", "n):\n    return n"),
    Case("markdown keeps its prose", "\n\nThe model is trained on daily data.", "# Results", "",
         "\n\nThe model is trained on daily data.", "markdown"),
    Case("an indented sentence after a blank line is a docstring", '"""Sum the values.\n\n    Returns the total of all values.\n    """',
         "def total(values):\n    ", "", '"""Sum the values.\n\n    Returns the total of all values.\n    """'),
    Case("a closing brace in the suffix does not cut nested blocks", "if (a) {\n    b();\n  }\n  c();", "function f() {\n  ",
         "\n}", "if (a) {\n    b();\n  }\n  c();", "javascript"),
    Case("only a fence", "```", FIB, "", ""),
    Case("longer than max_lines", "\n".join(f"x{i} = {i}" for i in range(20)), "", "",
         "\n".join(f"x{i} = {i}" for i in range(8))),
]
