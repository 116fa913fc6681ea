"""Team scale, the issue's done-when: concurrent CLI writers into one project on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer
from vibing2_lab.store import Store

WRITERS, ASKS = 3, 15

# One shell loop per writer: 15 `vibing2-lab ask` processes one after the other.
_LOOP = "for i in $(seq 1 {asks}); do {python} -m vibing2_lab.cli ask --project team \"writer {n} ask $i\" || exit 1; done"


def test_three_cli_writers_times_fifteen_asks_on_postgresql(postgresql_url: str, fake_model: FakeModelServer,
                                                             vibe_home: Path) -> None:
    writers = [subprocess.Popen(["bash", "-c", _LOOP.format(asks=ASKS, python=sys.executable, n=n)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
               for n in range(WRITERS)]
    outputs = [w.communicate(timeout=300) for w in writers]
    assert [w.returncode for w in writers] == [0] * WRITERS, outputs

    store = Store.open(postgresql_url)
    project = store.get_project("team")
    assert len(project.messages) == 2 * WRITERS * ASKS == 90
    assert [m.seq for m in project.messages] == list(range(1, 91))
    asked = sorted(m.content for m in project.messages if m.role == "user")
    assert asked == sorted(f"writer {n} ask {i}" for n in range(WRITERS) for i in range(1, ASKS + 1))
    runs = store.runs(project_id=project.id)
    assert len(runs) == 45 and {r.status for r in runs} == {"complete"}
    assert len(fake_model.requests) == 45

    stats = run_cli("stats", "--json", "--by", "project")
    assert stats.returncode == 0, stats.stderr
    rows = json.loads(stats.stdout)
    assert [(r["project"], r["runs"], r["errors"]) for r in rows] == [("team", 45, 0)]
    assert rows[0]["output_tokens"] == sum(r.output_tokens for r in runs)
    assert not list(vibe_home.rglob("*.db")), "a SQLite file was written"
