"""`vibing2-lab version`."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("version", help="print the version")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import __version__

    print(__version__)
    return 0
