"""Build the auto-selection evaluation sets from public Claude Code agent collections.

    python benchmarks/agent_eval_data.py MIRROR_ROOT [NAME...]   # writes benchmarks/data/agent-eval/

Claude Code agent files carry `<example>` blocks in their description: a context, the
request a user typed (`user: "..."`), and which agent the author meant to answer it.
For each collection (a public repo at a pinned commit) this keeps every agent file with
all `<example>` blocks removed (held out) and writes the requests with the agent their
author meant. The ranking never sees the requests it is scored on.

MIRROR_ROOT holds git mirrors named `owner+name/repo` (the ones the `fetch` tool makes);
the output is committed (the collections in git), so the benchmark needs no network.

Leakage: held-out collections are built first; every dev collection then drops any agent file that
copies a held-out one (CopyGuard: shared word 5-grams, or the same name) or a dev collection before it
in COLLECTIONS (the leave-one-out folds), with that file's requests, and any request those collections
have. The printout names each file dropped and what it copies.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
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
    # Dev collections added for issue 19 (more dev data for learned rankers). main() drops from each
    # any agent file that copies a held-out one (or shares its name) or an earlier dev one, and any
    # request those collections have; its printout lists what was dropped.
    "ersinkoc": ("ersinkoc/claude-code-subagents", "ec2b9b6f8f34fe9b4405ce3cbc8d45a1f88fb07c", "agents"),
    "lokki007": ("lokki007/claude-agents", "d748546396deff7f78f314c635648bb8226766c1", ".claude/agents"),
    "servesys-labs": ("servesys-labs/claude-agents", "9abe4c046027808b4a8ea17baf5a9c243d22fa47", "agents"),
    "advisely": ("advisely/claude-code-agents-team-nation-of-elites", "03e04e7219e845b9bcff20b5aa342998835d262b",
                 "agents"),
    "wtb-agency": ("wtb-agency/claude-code-subagents", "35df8f1b11733b0689b9b8f34d684439a80c26cf", "agents"),
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
          seen: frozenset[str] = frozenset(), guard: "CopyGuard | None" = None) -> dict[str, int]:
    """Write one collection: agents/<file>.md with examples removed, and requests.jsonl.

    `skip`: subfolders of `folder` left out; `seen`: requests of other collections, dropped here;
    `guard`: drops agent files that are near-copies of ones already built (and their requests)."""
    repo_dir = mirrors / repo.replace("/", "+") / "repo"
    target = OUT / name
    shutil.rmtree(target / "agents", ignore_errors=True)  # a rebuild must not keep files it now drops
    prefixes = tuple(f"{folder}/{s}/" if folder else f"{s}/" for s in skip)
    files = [p for p in _git(repo_dir, "ls-tree", "-r", "--name-only", commit, "--", folder or ".").split("\n")
             if p.endswith(".md") and not _SKIP.search(p) and not p.startswith(prefixes or ("\0",))]
    rows, agents, copies = [], 0, []
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
        stripped = _EXAMPLE.sub("", header) + text[header_end:]
        copy = guard.copy_of(agent, stripped) if guard else None
        if copy:
            copies.append(f"{path} ~ {copy}")
            continue
        for block in _EXAMPLE.findall(header):
            rows.extend({**r, "agent": agent} for r in _requests(block) if _key(r["request"]) not in seen)
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
    for line in copies:
        print(f"  {name}: dropped {line}")
    return {"agents": agents, "requests": len(rows), "copies_dropped": len(copies)}


def _key(request: str) -> str:
    """A request as compared across collections: its words, lower case (punctuation and spacing ignored)."""
    return " ".join(_words(request))


def _requests_of(collections: list[str]) -> frozenset[str]:
    rows = [json.loads(line) for name in collections
            for line in (OUT / name / "requests.jsonl").read_text(encoding="utf-8").splitlines()]
    return frozenset(_key(r["request"]) for r in rows)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(text: str, n: int = 5) -> frozenset[str]:
    words = _words(text)
    return frozenset(" ".join(words[i:i + n]) for i in range(max(1, len(words) - n + 1)))


def _flat(name: str) -> str:
    return "".join(_words(name))


class CopyGuard:
    """Finds the already-built agent file a candidate agent file is a near-copy of.

    Near-copy of a held-out collection's file (leakage into dev): word 5-gram containment (shared
    5-grams over the smaller file's) of at least CONTAINMENT, or the same name (lower case, letters
    and digits only) whatever the text. Near-copy of an earlier dev collection's file (it would
    leak between the leave-one-dev-collection-out folds): the containment alone, as names such as
    code-reviewer recur across independent collections. `<example>` blocks are removed from both
    (the built files on disk already are)."""

    CONTAINMENT = 0.5
    SAME_NAME = True  # a held-out agent's name alone makes a copy (the brief of issue 19); False: the text alone

    def __init__(self, held_out: tuple[str, ...] | list[str] = HELD_OUT, dev: tuple[str, ...] | list[str] = (),
                 root: Path = OUT) -> None:
        self.names: dict[str, str] = {}
        self.files: list[tuple[str, frozenset[str]]] = []
        self.by_shingle: dict[str, list[int]] = {}
        for collection in [*held_out, *dev]:
            folder = root / collection / "agents"
            if not folder.is_dir():
                raise FileNotFoundError(f"{folder} is missing: build {collection} first "
                                        f"(python benchmarks/agent_eval_data.py MIRRORS {collection})")
            for path in sorted(folder.rglob("*.md")):
                text = path.read_text(encoding="utf-8")
                label = f"{collection}/{path.relative_to(folder)}"
                match = _NAME.search(text[:text.find("\n---", 3)])
                if match and collection in held_out:
                    self.names.setdefault(_flat(match.group(1)), label)
                for s in (shingles := _shingles(text)):
                    self.by_shingle.setdefault(s, []).append(len(self.files))
                self.files.append((label, shingles))

    def copy_of(self, name: str, text: str) -> str | None:
        """What the agent file `name`/`text` copies (a file, and why), or None."""
        shingles = _shingles(text)
        shared = Counter(i for s in shingles for i in self.by_shingle.get(s, ()))
        for i, count in shared.most_common(3):
            label, theirs = self.files[i]
            if count / min(len(shingles), len(theirs)) >= self.CONTAINMENT:
                return f"{label} ({count / min(len(shingles), len(theirs)):.0%} of 5-grams shared)"
        if self.SAME_NAME and _flat(name) in self.names:
            return f"{self.names[_flat(name)]} (same name, different text)"
        return None


def main() -> None:
    """Held-out collections first; each dev one guarded against them and the dev ones before it in COLLECTIONS."""
    mirrors = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    names = sys.argv[2:] or list(COLLECTIONS)
    unknown = [n for n in names if n not in COLLECTIONS]
    if unknown:
        raise SystemExit(f"unknown collection(s) {unknown}: pick from {list(COLLECTIONS)}")
    for name in [n for n in HELD_OUT if n in names] + [n for n in COLLECTIONS if n in names and n not in HELD_OUT]:
        repo, commit, folder, *skip = COLLECTIONS[name]
        if name in HELD_OUT:
            seen, guard = frozenset(), None
        else:
            earlier = [n for n in list(COLLECTIONS)[:list(COLLECTIONS).index(name)]
                       if n not in HELD_OUT and (OUT / n / "requests.jsonl").exists()]
            seen, guard = _requests_of([*HELD_OUT, *earlier]), CopyGuard(HELD_OUT, earlier)
        print(name, build(mirrors, name, repo, commit, folder, tuple(skip[0]) if skip else (), seen, guard))


if __name__ == "__main__":
    main()
