"""`vibing2-lab projects`: list, show, create, rename, delete and export stored projects."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError
from .versions import VERSION_ACTIONS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("projects", help="list, show, rename, delete and export projects")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, (handler, add_args, help_text) in ACTIONS.items():
        parser = actions.add_parser(name, help=help_text)
        add_args(parser)
        parser.set_defaults(func=handler)


def _store() -> Any:
    from ..store import Store

    return Store.open()


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain left-aligned text table (numbers right-aligned)."""
    cells = [[("-" if row.get(c) is None else str(row.get(c))) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row.get(c), (int, float)) or row.get(c) is None for row in rows) for c in columns]
    def fmt(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()
    return "\n".join([fmt(columns), fmt(["-" * w for w in widths])] + [fmt(r) for r in cells])


def cmd_list(args: argparse.Namespace) -> int:
    rows = [asdict(s) for s in _store().list_projects()]
    if args.json:
        _print_json(rows)
    elif not rows:
        print("No projects yet. Create one with `vibing2-lab projects create NAME` or `ask --project NAME`.")
    else:
        print(table(rows, ["name", "type", "messages", "files", "updated", "owner", "visibility", "updated_by"]))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    project = _store().get_project(args.name)
    if args.json:
        _print_json(asdict(project))
        return 0
    print(f"{project.name}  (id {project.id}, {project.type}, conversation {project.conversation})")
    print(f"created {project.created}, updated {project.updated}; agents: {', '.join(project.agents) or '-'}")
    for m in project.messages:
        status = "" if m.status == "complete" else f" [{m.status}]"
        who = f"{m.role}" + (f" ({m.agent})" if m.agent else "")
        print(f"\n--- {who}{status} {m.created}\n{m.content}")
    if project.files:
        print("\nfiles:")
        for f in project.files:
            print(f"  {f.path}  ({len(f.content)} chars, {f.language or '?'})")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    agents = [a for a in (args.agents or "").split(",") if a]
    store = _store()
    project = (store.create_project(args.name, type=args.type, agents=agents) if args.name is not None
               else store.create_untitled(type=args.type, agents=agents))
    print(f"Created project {project.name!r} (id {project.id}).")
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    project = _store().rename_project(args.old, args.new)
    print(f"Renamed {args.old!r} to {project.name!r}.")
    return 0


def cmd_share(args: argparse.Namespace) -> int:
    project = _store().set_visibility(args.name, "shared")
    print(f"Shared {project.name!r}: every user of this store can see and work in it.")
    return 0


def cmd_unshare(args: argparse.Namespace) -> int:
    project = _store().set_visibility(args.name, "private")
    print(f"{project.name!r} is private again (only {project.owner or 'you'} can see it).")
    return 0


def _args_name(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="project name or id")


def cmd_fork(args: argparse.Namespace) -> int:
    project = _store().fork_project(args.old, args.new, at_version=args.at_version)
    at = f" at version {args.at_version}" if args.at_version is not None else ""
    print(f"Forked {args.old!r}{at} as {project.name!r} (id {project.id}).")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    store = _store()
    project = store.get_project(args.name)
    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError(f"Refusing to delete {project.name!r} without confirmation.",
                             hint="Add --yes to delete non-interactively.")
        answer = input(f"Delete project {project.name!r} with {len(project.messages)} messages and "
                       f"{len(project.files)} files? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Not deleted.")
            return 1
    store.delete_project(project.id)
    print(f"Deleted project {project.name!r}.")
    return 0


def _export_files(store: Any, name: str, target: Path, version: int | None) -> list[Path]:
    from ..store import export_files

    return export_files(store.version_files(name, version), target)


def _whole_project(fmt: str, version: int | None) -> None:
    if version is not None:
        raise InputError(f"--version applies to the files (a folder or a zip), not to {fmt}.",
                         hint="Drop --version, or export to a folder or app.zip.")


def _export_parquet(store: Any, name: str, target: Path, version: int | None) -> list[Path]:
    from ..store import export_parquet

    _whole_project("parquet", version)
    return export_parquet(store, name, target)


def _export_ipynb(store: Any, name: str, target: Path, version: int | None) -> list[Path]:
    from ..notebook.export import write_notebook

    _whole_project("a notebook", version)
    return [write_notebook(store, name, target)]


def _export_zip(store: Any, name: str, target: Path, version: int | None) -> list[Path]:
    from .versions import export_zip

    return export_zip(store, name, target, version)


# format -> exporter(store, project name, target, version or None) returning the paths written;
# a target ending in a key's suffix picks it.
EXPORTERS: dict[str, Callable[[Any, str, Path, int | None], list[Path]]] = {
    "files": _export_files,
    "parquet": _export_parquet,
    "ipynb": _export_ipynb,
    "zip": _export_zip,
}
SUFFIX_FORMATS = {".ipynb": "ipynb", ".zip": "zip"}


def cmd_export(args: argparse.Namespace) -> int:
    target = Path(args.to)
    fmt = args.format or SUFFIX_FORMATS.get(target.suffix.lower(), "files")
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        raise InputError(f"Unknown export format {fmt!r}.", hint=f"Use one of: {', '.join(EXPORTERS)}.")
    written = exporter(_store(), args.name, target, args.version)
    if not written:
        print(f"Project {args.name!r} has no files to export.", file=sys.stderr)
    for path in written:
        print(path)
    return 0


def cmd_rm_file(args: argparse.Namespace) -> int:
    deleted = _store().delete_files(args.name, args.paths)
    print(f"Deleted {len(deleted)} file{'s' if len(deleted) != 1 else ''} from {args.name!r}: {', '.join(deleted)}.")
    return 0


def _args_rm_file(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="project name or id")
    p.add_argument("paths", nargs="+", metavar="PATH", help="the file paths to delete (all or none)")


def cmd_import(args: argparse.Namespace) -> int:
    from ..notebook.export import import_notebook

    project = import_notebook(_store(), Path(args.notebook), name=args.name)
    answers = sum(1 for m in project.messages if m.role == "assistant")
    print(f"Imported {args.notebook} as project {project.name!r}: {answers} answers, {len(project.files)} files.")
    return 0


def _args_import(p: argparse.ArgumentParser) -> None:
    p.add_argument("notebook", help="a .ipynb with %%%%vibe outputs (or exported by vibing2-lab)")
    p.add_argument("--name", help="project name (default: the one recorded in the notebook)")


def _args_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print a JSON list of projects")


def _args_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="project name or id")
    p.add_argument("--json", action="store_true", help="print the project as JSON")


def _args_create(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", help="default: untitled, named by its first prompt")
    p.add_argument("--type", default="notebook")
    p.add_argument("--agents", help="comma-separated agent names")


def _args_rename(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", help="current name or id")
    p.add_argument("new", help="new name")


def _args_delete(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="project name or id")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _args_export(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="project name or id")
    p.add_argument("--to", required=True, help="target folder, or session.ipynb for a notebook of %%%%vibe cells")
    p.add_argument("--format", choices=sorted(EXPORTERS), help="files (default), parquet, ipynb, zip")
    p.add_argument("--version", type=int, metavar="N", help="the files as they were in version N (folder or zip)")


def _args_fork(p: argparse.ArgumentParser) -> None:
    _args_rename(p)
    p.add_argument("--at-version", type=int, metavar="N", help="fork the files as they were in version N")


ACTIONS: dict[str, tuple[Callable[[argparse.Namespace], int], Callable[[argparse.ArgumentParser], None], str]] = {
    "list": (cmd_list, _args_list, "list projects, most recently active first"),
    "show": (cmd_show, _args_show, "show a project's conversation and files"),
    "create": (cmd_create, _args_create, "create an empty project"),
    "rename": (cmd_rename, _args_rename, "rename a project"),
    "fork": (cmd_fork, _args_fork, "copy a project (conversations, files, versions) under a new name"),
    "delete": (cmd_delete, _args_delete, "delete a project with its messages and files"),
    "share": (cmd_share, _args_name, "let every user of the store see and work in a project (owner only)"),
    "unshare": (cmd_unshare, _args_name, "make a shared project private again (owner only)"),
    "export": (cmd_export, _args_export, "export a project's files, its tables as Parquet, or a notebook"),
    "import": (cmd_import, _args_import, "rebuild a project from a notebook's %%%%vibe records"),
    "rm-file": (cmd_rm_file, _args_rm_file, "delete generated files from a project"),
}
ACTIONS.update(VERSION_ACTIONS)
