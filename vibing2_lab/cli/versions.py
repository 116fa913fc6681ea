"""`vibing2-lab projects versions | diff | revert` and the app zip: a project's file history."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable


def _store() -> Any:
    from ..store import Store

    return Store.open()


def cmd_versions(args: argparse.Namespace) -> int:
    from .projects import table

    versions = _store().versions(args.name)
    if args.json:
        print(json.dumps([{"version": v.number, **{k: x for k, x in asdict(v).items() if k != "number"}}
                          for v in versions], ensure_ascii=False, indent=2))
        return 0
    if not versions:
        print(f"Project {args.name!r} has no versions yet: ask for some files first.")
        return 0
    rows = [{"version": v.number, "created": v.created[:19].replace("T", " "),
             "changes": _changes(v.added, v.changed, v.removed), "message": v.message} for v in versions]
    print(table(rows, ["version", "created", "changes", "message"]))
    return 0


def _changes(added: list[str], changed: list[str], removed: list[str]) -> str:
    return " ".join([*(f"+{p}" for p in added), *(f"~{p}" for p in changed), *(f"-{p}" for p in removed)]) or "-"


def cmd_diff(args: argparse.Namespace) -> int:
    text = _store().diff(args.name, args.a, args.b)
    print(text, end="" if text.endswith("\n") or not text else "\n")
    return 0


def cmd_revert(args: argparse.Namespace) -> int:
    version = _store().revert(args.name, to=args.to)
    print(f"Reverted {args.name!r} to version {args.to}: now version {version.number} "
          f"({_changes(version.added, version.changed, version.removed)}).")
    return 0


def export_zip(store: Any, name: str, target: Path, version: int | None = None) -> list[Path]:
    """The project's current files (or version `version`) as a zip at `target`."""
    from ..store.versions import write_zip

    files = store.version_files(name, version)
    return [write_zip(files, target)] if files else []


def _args_versions(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="project name or id")
    p.add_argument("--json", action="store_true", help="print the versions as JSON")


def _args_diff(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="project name or id")
    p.add_argument("a", type=int, help="older version number")
    p.add_argument("b", type=int, help="newer version number")


def _args_revert(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="project name or id")
    p.add_argument("--to", type=int, required=True, metavar="N", help="the version to return to")


VERSION_ACTIONS: dict[str, tuple[Callable[[argparse.Namespace], int], Callable[[argparse.ArgumentParser], None],
                                 str]] = {
    "versions": (cmd_versions, _args_versions, "list the versions of a project's files"),
    "diff": (cmd_diff, _args_diff, "show what changed between two versions"),
    "revert": (cmd_revert, _args_revert, "make a new version equal to an older one"),
}
