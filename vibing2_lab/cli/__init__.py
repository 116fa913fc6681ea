"""`vibing2-lab` command line: a thin adapter over the core.

Each subcommand group lives in its own module and registers itself through
`COMMANDS` (name → "module:function" that adds a subparser). A run imports only the
module of the command it runs (start-up is a feature: `vibing2-lab ask` need not load
what `projects` or `mcp` use); `--help`, no command or an unknown one registers them all.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from .. import __version__
from ..literal import TerminalText

# name -> "module:register" ; register(subparsers) adds the parser and sets `func`.
COMMANDS: dict[str, str] = {
    "ask": "vibing2_lab.cli.ask:register",
    "agents": "vibing2_lab.cli.agents:register",
    "projects": "vibing2_lab.cli.projects:register",
    "stats": "vibing2_lab.cli.stats:register",
    "budget": "vibing2_lab.cli.budget:register",
    "login": "vibing2_lab.cli.login:register",
    "replay": "vibing2_lab.cli.replay:register",
    "version": "vibing2_lab.cli.version:register",
    "mcp": "vibing2_lab.cli.mcp:register",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given `argv`, only the command it names is registered in full."""
    parser = argparse.ArgumentParser(
        prog="vibing2-lab",
        description="Chat with Vibing2's specialist agents from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"vibing2-lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = _command_in(argv)
    for name, spec in COMMANDS.items():
        if wanted is None or name == wanted:
            module, _, func = spec.partition(":")
            getattr(importlib.import_module(module), func)(sub)
        else:
            sub.add_parser(name)  # a placeholder: its module is not imported on this run
    return parser


def _command_in(argv: Sequence[str] | None) -> str | None:
    """The command `argv` runs, when it names a known one before any option."""
    if not argv or argv[0].startswith("-"):
        return None
    return argv[0] if argv[0] in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0 on success, non-zero with a one-line error on stderr."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # Answers, agent files and error texts come from outside: whatever is written to the
    # terminal shows their control characters inertly (literal.py), JSON output included.
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalText(stdout), TerminalText(stderr)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _run(argv: list[str]) -> int:
    from ..errors import VibeError

    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    terminated = _on_sigterm_interrupt()
    try:
        return int(args.func(args) or 0)
    except VibeError as exc:
        print(f"vibing2-lab: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"vibing2-lab: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return 143 if terminated else 130
    except BrokenPipeError:
        return 0


def _on_sigterm_interrupt() -> list[int]:
    """SIGTERM (a shutdown, `kill`) interrupts like Ctrl+C, so the session stores the partial
    answer as cancelled instead of dying mid-stream; returns a list that is non-empty once it came."""
    import signal

    came: list[int] = []

    def interrupt(signum: int, frame: object) -> None:
        came.append(signum)
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (main() called from a thread): leave it as it is
        pass
    return came


if __name__ == "__main__":
    sys.exit(main())
