"""How far the user's own agents should be preferred to the bundled ones (search.USER_MARGIN), on dev only.

    nice -n 19 python benchmarks/agent_eval_margin.py     # ~20 s

A real install always has the bundled library (agents/, 14 generic agents) beside the user's own. The
held-out figures of agent_eval.py search a collection alone; here each dev collection is installed with
the bundled library, as a user would have it, and two things are counted for each margin:
  - user: the dev requests (meant for an agent of the user's collection) whose top-1 is that agent;
  - bundled: the requests of data/agent-eval-bundled (28, two per bundled agent, written for this check)
    whose top-1 is still their bundled agent, with each dev collection installed beside it (28 x 8).
A user agent's score is multiplied by 1 + margin before it is compared with a bundled one. The margin
shipped is the one with the most right answers over both sets (ties: the smaller margin).

Outcome (2026-12-02, eight dev collections, 717 requests): margin 0.05 (shipped before) user 376, bundled
199 of 224; 0.3: 389 and 198 (the most in all, 587); 1.0: 399 and 178; never preferring bundled: 401 (the
collection alone: 400). So at 5 % the bundled agents took 87 of the 717 picks, 24 of them right ones.
Held out with the bundled library installed (agent_eval.py's last column), 0.05 -> 0.3: contains-studio
34 -> 37 of 120, voltagent 255 -> 257 of 399, wshobson 25 -> 25 of 32.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent_eval import DATA, DEV, with_bundled  # noqa: E402

BUNDLED_REQUESTS = DATA.parent / "agent-eval-bundled" / "requests.jsonl"
MARGINS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 1e9)


def rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def right(registry: object, requests: list[dict[str, str]]) -> int:
    """How many requests have their intended agent first."""
    return sum(bool(top := registry.rank(r["request"], limit=1)) and top[0].name == r["agent"]  # type: ignore[attr-defined]
               for r in requests)


def sweep(collections: tuple[str, ...] | list[str], margins: tuple[float, ...] = MARGINS) -> list[tuple[float, int, int]]:
    """(margin, user requests right, bundled requests right) per margin."""
    from vibing2_lab.agents import search

    installs = [(with_bundled(name), rows(DATA / name / "requests.jsonl")) for name in collections]
    bundled = rows(BUNDLED_REQUESTS)
    shipped, out = search.USER_MARGIN, []
    try:
        for margin in margins:
            search.USER_MARGIN = margin
            out.append((margin, sum(right(reg, own) for reg, own in installs),
                        sum(right(reg, bundled) for reg, _ in installs)))
    finally:
        search.USER_MARGIN = shipped
    return out


def chosen(table: list[tuple[float, int, int]]) -> float:
    """The margin with the most right answers over both sets (ties: the smaller)."""
    return max(table, key=lambda row: (row[1] + row[2], -row[0]))[0]


def main() -> None:
    from vibing2_lab.agents.search import USER_MARGIN

    users = sum(len(rows(DATA / n / "requests.jsonl")) for n in DEV)
    table = sweep(DEV)
    print(f"dev collections: {', '.join(DEV)} ({users} requests), each installed with the bundled library")
    print(f"{'margin':>8} {'user right':>12} {'bundled right':>14} {'both':>6}")
    for margin, user, bundled in table:
        label = "never" if margin >= 1e6 else f"{margin:.2f}"
        print(f"{label:>8} {user:>12} {bundled:>10}/{len(rows(BUNDLED_REQUESTS)) * len(DEV):<3} {user + bundled:>6}")
    print(f"chosen: {chosen(table):.2f}; shipped (search.USER_MARGIN): {USER_MARGIN:.2f}")


if __name__ == "__main__":
    main()
