"""`vibing2-lab budget`: spend against the configured budgets (today, this month, per project)."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("budget", help="spend against the budgets in config.yaml (today, this month, per project)")
    p.add_argument("--json", action="store_true", help="print the limits and spend as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..budget import budget_report
    from ..config import load_settings
    from ..store import Store

    report = budget_report(load_settings(), Store.open())
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render(report))
    return 0


def render(report: dict) -> str:
    """The report as lines of text (shared with `%vibe budget`)."""
    lines = []
    for name, row in report["limits"].items():
        limit = "no limit" if row["limit"] is None else f"${row['limit']:.4g}"
        spent = "" if row["spent"] is None else f"  spent ${row['spent']:.4f}"
        left = "" if row["left"] is None else f"  left ${row['left']:.4f}"
        lines.append(f"{name:<16} {limit:>10}{spent}{left}")
    for row in report["projects"]:
        left = "" if row["left"] is None else f"  left ${row['left']:.4f}"
        lines.append(f"  project {row['project']}: spent ${row['spent']:.4f}{left}")
    if report["unpriced_runs"]:
        lines.append(f"{report['unpriced_runs']} run(s) have no price (their model is not in `prices:`) "
                     "and count as $0.")
    if all(row["limit"] is None for row in report["limits"].values()):
        lines.append("No budgets set: add e.g. `budgets: {daily_usd: 5}` to config.yaml.")
    return "\n".join(lines)
