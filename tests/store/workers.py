"""Entry points for the store's multi-process tests, run as real processes:

    python -m tests.store.workers write DB PROJECT_ID COUNT TAG
    python -m tests.store.workers read DB PROJECT_ID READY_FILE STOP_FILE
    python -m tests.store.workers save-and-hang DB NAME MESSAGES FILES SIGNAL_FILE
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from vibing2_lab.store import Message, Project, ProjectFile, Store


def write(db: str, project_id: str, count: str, tag: str) -> None:
    """Append COUNT messages, each in its own transaction."""
    store = Store.open(db)
    for i in range(int(count)):
        store.add_message(int(project_id), "user", f"{tag}-{i}", agent=tag)


def read(db: str, project_id: str, ready_file: str, stop_file: str) -> None:
    """Read history and the project list until STOP_FILE exists; print what was seen as JSON."""
    store = Store.open(db)
    Path(ready_file).write_text("ready")
    counts = []
    while not Path(stop_file).exists():
        counts.append(len(store.history(int(project_id))))
        summary = next(s for s in store.list_projects() if s.id == int(project_id))
        if summary.messages < counts[-1]:  # a snapshot never goes backwards
            raise SystemExit(f"list saw {summary.messages} after history saw {counts[-1]}")
    counts.append(len(store.history(int(project_id))))
    print(json.dumps({"reads": len(counts), "counts": sorted(set(counts))}))


def big_project(name: str, messages: int, files: int, *, version: str) -> Project:
    """A project whose every message and file carries `version`, so a mix would show."""
    return Project(
        name=name, agents=["frontend"],
        messages=[Message("user" if i % 2 == 0 else "assistant", f"{version} message {i} " + "x" * 200)
                  for i in range(messages)],
        files=[ProjectFile(f"src/file{i}.js", f"// {version}\n" + "y" * 1000) for i in range(files)],
    )


def save_and_hang(db: str, name: str, messages: str, files: str, signal_file: str) -> None:
    """Save a big version-B project and freeze inside the transaction, after some inserts."""
    store = Store.open(db)
    try:
        current = store.get_project(name)
        project = big_project(name, int(messages), int(files), version="B")
        # Keep the stored messages (edited) so the save updates, deletes and inserts.
        for old, new in zip(current.messages, project.messages):
            new.id = old.id
        project.id = current.id
    except Exception:
        project = big_project(name, int(messages), int(files), version="B")
    inserted = 0

    def freeze(sql: str) -> None:
        nonlocal inserted
        if sql.startswith("INSERT INTO messages"):
            inserted += 1
            if inserted == 300:
                Path(signal_file).write_text("inside the transaction")
                time.sleep(600)  # the test kills us here

    store._db.set_trace_callback(freeze)
    store.save_project(project)
    raise SystemExit("save_project finished: the test should have killed us first")


COMMANDS = {"write": write, "read": read, "save-and-hang": save_and_hang}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
