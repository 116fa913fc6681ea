"""`vibing2-lab stats` (not implemented yet)."""

from __future__ import annotations

import argparse

from ..errors import VibeError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", help="(not implemented yet)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise VibeError("`vibing2-lab stats` is not implemented yet.")
