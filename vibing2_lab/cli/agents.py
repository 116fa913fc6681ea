"""`vibing2-lab agents` (not implemented yet)."""

from __future__ import annotations

import argparse

from ..errors import VibeError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("agents", help="(not implemented yet)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise VibeError("`vibing2-lab agents` is not implemented yet.")
