"""Build the auto-selection evaluation sets from public Claude Code agent collections.

    python benchmarks/agent_eval_data.py MIRROR_ROOT [NAME...]   # writes benchmarks/data/agent-eval/

Claude Code agent files carry `<example>` blocks in their description: a context, the
request a user typed (`user: "..."`), and which agent the author meant to answer it.
For each collection (a public repo at a pinned commit) this keeps every agent file with
all `<example>` blocks removed (held out) and writes the requests with the agent their
author meant. The ranking never sees the requests it is scored on.

MIRROR_ROOT holds git mirrors named `owner+name/repo` (the ones the `fetch` tool makes);
the output is committed, so the benchmark needs no network.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OUT = Path(__file__).resolve().parent / "data" / "agent-eval"

# name -> (repo, commit, folder with the agents or "" for the root); the commit is the one
# in the repo's history with the most `<example>` blocks (later commits removed many).
COLLECTIONS: dict[str, tuple[str, str, str] | tuple[str, str, str, tuple[str, ...]]] = {
    "contains-studio": ("contains-studio/agents", "a5a480c324cac64b9c569bca0b2f297d517240cb", ""),
    "voltagent": ("VoltAgent/awesome-claude-code-subagents", "f189a872398018697b76b46dcc5fbd4402d2ed88", "categories"),
    "vijaythecoder": ("vijaythecoder/awesome-claude-agents", "37a7d562a8eae82f1b6639dc2e009003e638d87b", "agents"),
    "dl-ezo": ("dl-ezo/claude-code-sub-agents", "5f7d8cf23aa242fbbb8ece2a01beeeafb5cdf3ec", ""),
    "wshobson": ("wshobson/agents", "30b49b8d1010b146854eb1ed0c3ba4e1e3b7e383", ""),
    # A dev collection. Its design/, marketing/, operations/, product/, project-management/ and
    # testing/ folders are copies of contains-studio's agents (held out): they are left out, and
    # main() drops any request that a held-out collection also has.
    "nicholasspisak": ("NicholasSpisak/claude-code-subagents", "1a16f36820d5db5516cf188712fcbb10ae63811c", "agents",
                       ("design", "marketing", "operations", "product", "project-management", "testing")),
}
HELD_OUT = ("contains-studio", "voltagent", "wshobson")

_EXAMPLE = re.compile(r"<example>.*?</example>", re.S)
_NAME = re.compile(r"^name:\s*['\"]?([^'\"\n]+?)['\"]?\s*$", re.M)
_SKIP = re.compile(r"(^|/)(readme[^/]*|changelog|contributing|license|claude|code_of_conduct)[^/]*\.md$", re.I)


def _git(repo_dir: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo_dir), *args], capture_output=True, text=True, check=True).stdout


def _requests(block: str) -> list[dict[str, str]]:
    from vibing2_lab.agents.fields import examples

    return [{"request": e.request, "context": e.context} for e in examples(block) if len(e.request) > 8]


def build(mirrors: Path, name: str, repo: str, commit: str, folder: str, skip: tuple[str, ...] = (),
          seen: frozenset[str] = frozenset()) -> dict[str, int]:
    """Write one collection: agents/<file>.md with examples removed, and requests.jsonl.

    `skip`: subfolders of `folder` left out; `seen`: requests of other collections, dropped here."""
    repo_dir = mirrors / repo.replace("/", "+") / "repo"
    target = OUT / name
    prefixes = tuple(f"{folder}/{s}/" if folder else f"{s}/" for s in skip)
    files = [p for p in _git(repo_dir, "ls-tree", "-r", "--name-only", commit, "--", folder or ".").split("\n")
             if p.endswith(".md") and not _SKIP.search(p) and not p.startswith(prefixes or ("\0",))]
    rows, agents = [], 0
    for path in files:
        text = _git(repo_dir, "show", f"{commit}:{path}")
        if not text.startswith("---"):
            continue
        header_end = text.find("\n---", 3)
        match = _NAME.search(text[:header_end])
        if header_end < 0 or match is None:
            continue
        agent = match.group(1).strip()
        header = text[:header_end]
        for block in _EXAMPLE.findall(header):
            rows.extend({**r, "agent": agent} for r in _requests(block) if _key(r["request"]) not in seen)
        stripped = _EXAMPLE.sub("", header) + text[header_end:]
        # The collection's folders are its authors' categories: keep them (an agent's category
        # defaults to its folder's name).
        out = target / "agents" / (Path(path).relative_to(folder) if folder else Path(path))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(stripped, encoding="utf-8")
        agents += 1
    (target / "requests.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                           encoding="utf-8")
    (target / "SOURCE").write_text(f"https://github.com/{repo} at {commit}\n"
                                   f"{agents} agent files (<example> blocks removed), {len(rows)} requests "
                                   "taken from those blocks; generated by benchmarks/agent_eval_data.py\n",
                                   encoding="utf-8")
    return {"agents": agents, "requests": len(rows)}


def _key(request: str) -> str:
    return " ".join(request.lower().split())


def _held_out_requests() -> frozenset[str]:
    rows = [json.loads(line) for name in HELD_OUT
            for line in (OUT / name / "requests.jsonl").read_text(encoding="utf-8").splitlines()]
    return frozenset(_key(r["request"]) for r in rows)


def main() -> None:
    mirrors = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    names = sys.argv[2:] or list(COLLECTIONS)
    for name in [n for n in HELD_OUT if n in names] + [n for n in names if n not in HELD_OUT]:
        repo, commit, folder, *skip = COLLECTIONS[name]
        seen = frozenset() if name in HELD_OUT else _held_out_requests()
        print(name, build(mirrors, name, repo, commit, folder, tuple(skip[0]) if skip else (), seen))


if __name__ == "__main__":
    main()
