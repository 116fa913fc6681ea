"""Owners and sharing through the CLI (JUPYTERHUB_USER), on both engines: the same rules as the server."""

from __future__ import annotations

import json
import os

from tests.conftest import run_cli
from vibing2_lab.store import Store


def _cli(user: str, *args: str):
    return run_cli(*args, env={**os.environ, "JUPYTERHUB_USER": user})


def _names(user: str) -> list[str]:
    out = _cli(user, "projects", "list", "--json")
    assert out.returncode == 0, out.stderr
    return sorted(p["name"] for p in json.loads(out.stdout))


def test_projects_list_shows_own_and_shared_and_others_private_is_no_project(store: Store) -> None:
    for name in ("a-secret", "a-team"):
        assert _cli("alice", "projects", "create", name).returncode == 0
    assert _cli("bob", "projects", "create", "b-own").returncode == 0
    shared = _cli("alice", "projects", "share", "a-team")
    assert shared.returncode == 0 and "Shared 'a-team'" in shared.stdout
    assert _names("bob") == ["a-team", "b-own"] and _names("alice") == ["a-secret", "a-team"]

    for args in (("show", "a-secret"), ("rename", "a-secret", "x"), ("delete", "a-secret", "--yes"),
                 ("fork", "a-secret", "mine"), ("share", "a-secret"), ("export", "a-secret", "--to", "out")):
        out = _cli("bob", "projects", *args)
        assert out.returncode == 1 and "No project 'a-secret'" in out.stderr, (args, out.stderr)
    refused = _cli("bob", "projects", "unshare", "a-team")
    assert refused.returncode == 1 and "Only its owner 'alice'" in refused.stderr
    assert _cli("alice", "projects", "unshare", "a-team").returncode == 0
    assert _names("bob") == ["b-own"]

    # The API the kernel uses answers to the same rule.
    bob, alice = store.as_user("bob"), store.as_user("alice")
    secret = alice.get_project("a-secret")
    for call in (lambda: bob.get_project(secret.id), lambda: bob.add_message(secret.id, "user", "hi"),
                 lambda: bob.history(secret.id), lambda: bob.update_files(secret.id, {"a.txt": "x"}),
                 lambda: bob.new_conversation(secret.id), lambda: bob.runs(project_id=secret.id)):
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - the type is checked
            assert type(exc).__name__ == "UnknownProjectError", exc
        else:
            raise AssertionError("bob reached alice's private project")
    assert alice.history(secret.id) == []  # nothing written by bob's attempts


def test_stats_count_own_and_shared_runs_and_all_users_for_an_admin(store: Store) -> None:
    from vibing2_lab.store import Run, stats_rows

    alice, bob = store.as_user("alice"), store.as_user("bob")
    secret = alice.create_project("a-secret")
    alice.record_run(Run(agent="x", model="m", status="complete", project_id=secret.id, output_tokens=7))
    bob.record_run(Run(agent="x", model="m", status="complete", project_id=bob.create_project("b").id,
                       output_tokens=5))
    assert [(r["project"], r["output_tokens"]) for r in stats_rows(bob, by=("project",))] == [("b", 5)]
    everyone = stats_rows(bob, by=("project",), all_users=True)  # the test role is a superuser
    assert sorted((r["project"], r["output_tokens"]) for r in everyone) == [("a-secret", 7), ("b", 5)]
    out = _cli("bob", "stats", "--json", "--by", "project", "--all-users")
    assert out.returncode == 0 and len(json.loads(out.stdout)) == 2
