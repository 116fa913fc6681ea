"""Policy precedence, --allow parsing, consent decisions through the runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from vibing2_lab.errors import ConfigError, InputError
from vibing2_lab.events import ToolUseEvent
from vibing2_lab.tools import (Decision, PendingCall, Policy, Tool, ToolContext, ToolRunner, builtin_tools,
                               nobody_to_ask, parse_allow, parse_answer)


class Ping(Tool):
    name = "mcp__time__ping"
    default_policy = "ask"

    def run(self, input, ctx):  # noqa: ANN001, ANN201
        return "pong"


def test_builtin_defaults_read_allowed_write_and_run_ask() -> None:
    tools = builtin_tools()
    policy = Policy()
    allowed = {n for n, t in tools.items() if policy.decide(t) == "allow"}
    assert allowed == {"Read", "Glob", "Grep", "Variables", "NotebookRead"}
    assert {n for n, t in tools.items() if policy.decide(t) == "ask"} == {
        "Write", "Edit", "NotebookEdit", "Python", "Bash"}


def test_precedence_deny_beats_allow_flag_and_ask_beats_allow() -> None:
    tools = builtin_tools()
    policy = Policy(allow=("Python", "Read"), ask=("Read",), deny=("Bash",)).with_approved(["Bash", "Write"])
    assert policy.decide(tools["Bash"]) == "deny"  # --allow cannot lift a config deny
    assert policy.decide(tools["Write"]) == "allow"
    assert policy.decide(tools["Read"]) == "ask"  # listed in both: the safer one
    assert policy.decide(tools["Python"]) == "allow"


def test_mcp_server_prefix_matches_its_tools_only() -> None:
    assert Policy(approved=("mcp__time",)).decide(Ping()) == "allow"
    assert Policy(approved=("mcp__tim",)).decide(Ping()) == "ask"
    assert Policy(deny=("mcp__time",)).decide(Ping()) == "deny"


def test_parse_allow() -> None:
    assert parse_allow("Python, Read") == ("Python", "Read")
    assert parse_allow(None) == ()
    with pytest.raises(InputError, match="--allow"):
        parse_allow("Python,,Read")


def test_config_tools_section_is_checked(tmp_path: Path) -> None:
    from vibing2_lab.config import load_settings

    path = tmp_path / "config.yaml"
    path.write_text("tools: {allow: [Read], deny: [Bash], max_steps: 3, default: [Read]}\n")
    settings = load_settings(path)
    assert Policy.from_settings(settings, approved=["Python"]) == Policy(("Read",), (), ("Bash",), ("Python",))
    assert settings.tools.max_steps == 3 and settings.tools.default == ["Read"]
    for bad in ("tools: {allow: Read}", "tools: {max_steps: 0}", "tools: {allwo: [Read]}"):
        path.write_text(bad)
        with pytest.raises(ConfigError, match="tools"):
            load_settings(path)


def _use(name: str, **input: object) -> ToolUseEvent:
    return ToolUseEvent(id="t1", name=name, input=dict(input))


def test_nobody_to_ask_denies_at_once_and_says_how_to_allow(tmp_path: Path) -> None:
    runner = ToolRunner(Policy(), consent=nobody_to_ask, ctx=ToolContext(tmp_path))
    step = runner.run(_use("Write", file_path="a.txt", content="x"), builtin_tools())
    assert step.status == "denied" and "--allow Write" in step.content
    assert step.consent == {"verdict": "deny", "by": "nobody", "reason": step.consent["reason"]}
    assert not (tmp_path / "a.txt").exists()


def test_allow_for_this_ask_is_remembered_and_the_consent_sees_the_diff(tmp_path: Path) -> None:
    asked: list[PendingCall] = []

    def consent(pending: PendingCall) -> Decision:
        asked.append(pending)
        return Decision.for_ask()

    runner = ToolRunner(Policy(), consent=consent, ctx=ToolContext(tmp_path))
    tools = builtin_tools()
    first = runner.run(_use("Write", file_path="a.txt", content="one\n"), tools)
    second = runner.run(_use("Write", file_path="a.txt", content="two\n"), tools)
    assert (first.status, second.status) == ("ok", "ok")
    assert len(asked) == 1 and "+one" in asked[0].description and "/dev/null" in asked[0].description
    assert second.consent["by"] == "ask" and (tmp_path / "a.txt").read_text() == "two\n"


def test_a_deny_reason_reaches_the_model_and_a_broken_consent_denies(tmp_path: Path) -> None:
    tools = builtin_tools()
    runner = ToolRunner(Policy(), consent=lambda p: Decision.deny("not on my laptop"), ctx=ToolContext(tmp_path))
    step = runner.run(_use("Bash", command="touch x"), tools)
    assert step.status == "denied" and "not on my laptop" in step.content and not (tmp_path / "x").exists()

    def broken(pending: PendingCall) -> Decision:
        raise RuntimeError("panel gone")

    step = ToolRunner(Policy(), consent=broken, ctx=ToolContext(tmp_path)).run(_use("Bash", command="touch x"), tools)
    assert step.status == "denied" and "panel gone" in step.content and not (tmp_path / "x").exists()


def test_typed_answers() -> None:
    assert parse_answer("y\n").verdict == "once"
    assert parse_answer("a").verdict == "ask"
    assert parse_answer("n: too risky") == Decision.deny("too risky")
    assert parse_answer("").verdict == "deny"


def test_a_call_that_cannot_succeed_is_not_asked_about(tmp_path: Path) -> None:
    asked: list[PendingCall] = []
    runner = ToolRunner(Policy(), consent=lambda p: asked.append(p) or Decision.once(), ctx=ToolContext(tmp_path))
    tools = builtin_tools()
    (tmp_path / "a.txt").write_text("one\n")
    step = runner.run(_use("Edit", file_path="a.txt", old_string="two", new_string="three"), tools)
    assert step.status == "error" and "not found" in step.content
    step = runner.run(_use("Write", file_path="/etc/x", content="y"), tools)
    assert step.status == "error" and "outside the working directory" in step.content
    assert asked == []
