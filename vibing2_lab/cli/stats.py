"""`vibing2-lab stats`: usage analytics over the project store (runs, errors, tokens, cost, TTFT)."""

from __future__ import annotations

import argparse
import json

COLUMNS = ["runs", "errors", "error_rate", "input_tokens", "output_tokens", "cost_usd", "ttft_p50", "ttft_p95"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", help="usage analytics: runs, errors, tokens, cost, time to first token")
    p.add_argument("--json", action="store_true", help="print a JSON list of rows")
    p.add_argument("--by", default="agent,model",
                   help="comma-separated grouping: agent, model, provider, project, day, status (default agent,model)")
    p.add_argument("--project", help="only this project's runs")
    p.add_argument("--all-users", action="store_true",
                   help="every user's runs, not only your and shared projects' (an admin role on PostgreSQL)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import Store, stats_rows
    from .projects import table

    by = tuple(key.strip() for key in args.by.split(",") if key.strip())
    rows = stats_rows(Store.open(), by=by, project=args.project, all_users=args.all_users)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        print("No runs recorded yet. Every `vibing2-lab ask` and %%vibe cell adds one.")
    else:
        print(table(rows, [*by, *COLUMNS]))
    return 0
