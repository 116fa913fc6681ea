"""The `%%vibe` options, parsed with IPython's magic_arguments; `%vibe --help` prints them.

Both magics split their line as a POSIX shell does (shlex): `-p "my app"`, `-p 'my app'` and
`-p my\\ app` all mean the project `my app`, and `"say \\"hi\\""` is `say "hi"`. (IPython's own
splitting keeps the quotes in the value.) An unclosed quote is an InputError naming it.
"""

from __future__ import annotations

import shlex
from argparse import Namespace

from IPython.core.magic_arguments import argument, magic_arguments

FORMATS = ("markdown", "code", "html", "text")
REPLAY_MODES = ("strict", "fallback", "off")


@magic_arguments(name="%vibe")
@argument("-a", "--agent", metavar="NAME", help="ask this agent (see `%%vibe agents`)")
@argument("--auto", action="store_true", help="pick the agent from the prompt and the recent cells")
@argument("--agents", metavar="A,B",
          help="ask several agents at once, side by side (or one after another with --chain)")
@argument("--chain", action="store_true", help="with --agents: each agent receives the previous agent's answer")
@argument("-m", "--model", metavar="PROVIDER:MODEL", help="model id or alias; default: the agent's, else config.yaml's")
@argument("-p", "--project", metavar="NAME",
          help="the project whose conversation this cell continues; default: `%%vibe use`, else the notebook's name")
@argument("--no-store", action="store_true",
          help="a one-off question: nothing is stored and the conversation is not sent")
@argument("-f", "--format", choices=FORMATS, default="markdown",
          help="markdown (default); code: also insert the answer's code as the next cell; "
               "html: open on the Preview of the generated page; text: show the answer as plain text")
@argument("--replay", nargs="?", const="strict", choices=REPLAY_MODES, metavar="strict|fallback",
          help="answer from the notebook's recorded outputs (strict: fail if none; fallback: ask live then)")
@argument("--no-interpolate", action="store_true", help="send {name}, {In[n]}, {Out[n]}, {Err[n]} verbatim")
@argument("--allow", metavar="TOOL[,TOOL]",
          help="pre-approve these agent tools (names or mcp__<server>) for this cell, e.g. --allow Python,Read")
@argument("--max-tokens", type=int, metavar="N", help="longest answer, in tokens")
@argument("--max-cost", type=float, metavar="USD",
          help="a budget for this cell: requests that could take it past USD are shortened or refused")
@argument("--bg", action="store_true",
          help="answer in the background: the cell returns at once, the panel keeps streaming; "
               "%%vibe jobs / wait / cancel. Tools that need consent are denied unless pre-approved "
               "with --allow (nobody can be asked). In replay the cell resolves at once")
@argument("--temperature", type=float, metavar="T", help="sampling temperature")
def vibe_cell(line: str, cell: str) -> None:
    """Ask one or more agents; the answer streams into the cell's output.

    The cell body is the prompt. `{name}`, `{name.attr}`, `{In[3]}`, `{Out[3]}` and
    `{Err[3]}` (the traceback of the error cell 3 raised; `{Err[-1]}`: the latest) are
    replaced when they resolve; anything else stays as written, so code is safe to paste.
    Successive cells of a project continue one conversation (`%vibe new` starts afresh).
    A failed or stopped answer fails the cell (so "Run All" stops) and keeps the partial text.
    """
    from IPython import get_ipython

    from .cell import run

    run(get_ipython(), line, cell)


def parse(line: str) -> Namespace:
    """The options of a `%%vibe` line (InputError for bad quoting, UsageError when they are wrong)."""
    return vibe_cell.parser.parse_args(split_line(line, magic="%%vibe"))


def split_line(line: str, *, magic: str) -> list[str]:
    """A magic's line split as a POSIX shell splits it (shlex), or an InputError naming the bad quoting."""
    from ..errors import InputError

    try:
        return shlex.split(line)
    except ValueError as exc:  # shlex says only "No closing quotation" / "No escaped character"
        if "quotation" in str(exc):
            what, hint = "an unclosed quote", (
                'Close every quote you open; to put a quote inside a value, escape it with a backslash '
                """(--project "my \\"best\\" app") or use the other kind (--project 'my "best" app').""")
        else:
            what, hint = "a backslash at its end", "A backslash escapes the next character: write \\\\ for one."
        raise InputError(f"The {magic} line has {what}: {line.strip()!r}.", hint=hint) from None


def help_text() -> str:
    """`%vibe --help`: the line commands, then the `%%vibe` options."""
    from . import vibe_line

    options = vibe_cell.parser.format_help()
    return f"{(vibe_line.__doc__ or '').strip()}\n\n{options}"


def wants_help(line: str) -> bool:
    return line.strip() in ("-h", "--help", "help", "?")

