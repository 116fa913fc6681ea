"""An agent's fields: example requests are read from `<example>` blocks and from the same turns
written without the tags (one `Context:` per example), and cut out of the description."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from vibing2_lab.agents.fields import examples, without_examples
from vibing2_lab.agents.discovery import discover_folder
from vibing2_lab.agents.registry import build

UNTAGGED = ("Use this agent when invoices must be reconciled. Examples: Context: Month end is close. "
            "user: 'Match the bank statement against our payables' assistant: 'I will use the "
            "reconciler agent to match them.' Since payables need matching, use it. Context: An audit. "
            "user: 'Find the duplicate vendor payments' assistant: 'Let me use the reconciler agent.'")


def test_untagged_examples_are_read_turn_by_turn() -> None:
    found = examples(UNTAGGED)
    assert [e.request for e in found] == ["Match the bank statement against our payables",
                                          "Find the duplicate vendor payments"]
    assert found[0].context == "Month end is close."
    assert without_examples(UNTAGGED).strip() == "Use this agent when invoices must be reconciled. Examples:"


def test_a_description_without_turns_is_left_alone() -> None:
    text = "Use this agent when the user: a person who asks. Context matters."  # no user turn after Context:
    assert examples(text) == [] and without_examples(text) == text


def test_tagged_examples_still_win(tmp_path: Path) -> None:
    text = "Does X. <example>Context: c1\nuser: \"tagged request\"\nassistant: ok</example> Context: c2 user: 'loose'"
    assert [e.request for e in examples(text)] == ["tagged request"]


def test_an_untagged_example_request_counts_as_an_example(tmp_path: Path, write_agent: Callable[..., Path]) -> None:
    # The hand-off chatter ("I will use the reconciler agent") is not topic: only the user turns count.
    write_agent(tmp_path, "r.md", "reconciler", description=f'"{UNTAGGED}"', body="You reconcile accounts.")
    write_agent(tmp_path, "p.md", "payments-clerk", description="Pays vendors and files payables.",
                body="You pay vendors on time.")
    registry = build(discover_folder(tmp_path, source="env"), [])
    pick = registry.pick("find duplicate vendor payments")
    assert pick.agent.name == "reconciler", pick.reasons
    assert any("examples" in r for r in pick.reasons), pick.reasons
