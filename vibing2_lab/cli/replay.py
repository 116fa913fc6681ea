"""`vibing2-lab replay NOTEBOOK`: re-run a notebook offline from its records and report changes."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="re-run a notebook offline from its records; report changed outputs",
                       description="Execute NOTEBOOK headlessly in strict replay mode (no network, no key) and "
                                   "report every cell whose output differs from the saved one. This EXECUTES "
                                   "EVERY CODE CELL of the notebook on this machine, like Run All: replay "
                                   "only notebooks you trust, or use --only-vibe.")
    p.add_argument("notebook", help="the .ipynb to replay")
    p.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    p.add_argument("--keep-store", action="store_true",
                   help="write the replayed conversation to the local store (default: a throwaway one)")
    p.add_argument("--json", action="store_true", help="print the differing cells as JSON")
    p.add_argument("--only-vibe", action="store_true",
                   help="run and compare only the %%%%vibe cells (and %%load_ext vibing2_lab); the notebook's "
                        "other code is not executed (a %%%%vibe cell that interpolates their variables then differs)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..notebook.rerun import replay_notebook

    diffs = replay_notebook(Path(args.notebook), timeout=args.timeout, keep_store=args.keep_store,
                            vibe_only=args.only_vibe)
    if args.json:
        print(json.dumps([{"index": d.index, "cell_id": d.cell_id, "expected": d.expected, "actual": d.actual}
                          for d in diffs], ensure_ascii=False, indent=1))
    for diff in diffs:
        print(f"differs: {diff.summary()}", file=sys.stderr)
    if diffs:
        print(f"vibing2-lab: error: {len(diffs)} cell(s) of {args.notebook} replayed differently.", file=sys.stderr)
        return 1
    if not args.json:
        print(f"{args.notebook}: every output replayed identically.")
    return 0
