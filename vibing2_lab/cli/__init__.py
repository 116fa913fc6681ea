"""`vibing2-lab` command line: a thin adapter over the core.

Each subcommand group lives in its own module and registers itself through
`COMMANDS` (name → "module:function" that adds a subparser). Modules are imported
only when listed, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from .. import __version__

# name -> "module:register" ; register(subparsers) adds the parser and sets `func`.
COMMANDS: dict[str, str] = {
    "ask": "vibing2_lab.cli.ask:register",
    "agents": "vibing2_lab.cli.agents:register",
    "projects": "vibing2_lab.cli.projects:register",
    "stats": "vibing2_lab.cli.stats:register",
    "login": "vibing2_lab.cli.login:register",
    "replay": "vibing2_lab.cli.replay:register",
    "version": "vibing2_lab.cli.version:register",
    "mcp": "vibing2_lab.cli.mcp:register",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vibing2-lab",
        description="Chat with Vibing2's specialist agents from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"vibing2-lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for spec in COMMANDS.values():
        module, _, func = spec.partition(":")
        getattr(importlib.import_module(module), func)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0 on success, non-zero with a one-line error on stderr."""
    from ..errors import VibeError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except VibeError as exc:
        print(f"vibing2-lab: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("vibing2-lab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
