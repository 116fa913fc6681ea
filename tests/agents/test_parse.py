"""Each frontmatter oddity found in real agent collections, one fixture file each."""

from __future__ import annotations

from pathlib import Path

import pytest

from vibing2_lab.agents.parse import SkipFile, parse_agent
from tests.agents.conftest import DATA

ODD = DATA / "oddities"


def load(name: str, folder: Path = ODD):
    path = folder / f"{name}.md"
    return parse_agent(path, path.read_bytes(), source="env")


def test_tools_as_a_comma_string_become_a_list() -> None:
    agent = load("tools-comma-string")
    assert agent.tools == ["Read", "Write", "Edit", "Bash", "Grep", "Glob"]
    assert agent.parse_mode == "simple"


@pytest.mark.parametrize(("name", "model"), [("model-inherit", "inherit"), ("model-short-name", "sonnet")])
def test_model_is_kept_as_written(name: str, model: str) -> None:
    assert load(name).model == model


def test_short_model_file_also_reads_its_tier() -> None:
    assert load("model-short-name").performance_tier == "fast"


def test_escaped_newlines_and_example_blocks_load_through_the_tolerant_reader() -> None:
    agent = load("claude-code-escaped-newlines")
    assert agent.parse_mode == "tolerant"
    assert agent.description.startswith("Use this agent when building user interfaces or fixing layout bugs. Examples:\n\n<example>\n")
    assert 'user: "Create a dashboard for user analytics"\n' in agent.description
    assert agent.description.endswith("</example>")
    assert "\\n" not in agent.description
    assert agent.tools == ["Write", "Read", "MultiEdit", "Bash"]
    assert agent.color == "blue"
    assert agent.system_prompt == "You are a frontend specialist.\n\nDeliver complete components."


def test_user_and_assistant_lines_stay_inside_the_description() -> None:
    agent = load("claude-code-example-lines")
    assert agent.parse_mode == "tolerant"
    lines = agent.description.splitlines()
    assert lines[0] == "Use this agent when the user wants to understand legacy code. For example:"
    assert "user: Where is the billing logic?" in lines
    assert "assistant: I'll use the claude-code-example-lines agent to map the billing flow." in lines
    assert lines[-1] == "Note: it never edits files."
    assert agent.tools == ["Read", "Grep", "Glob"]
    assert agent.model == "haiku"
    assert agent.extra == {}


def test_folded_description_and_block_lists() -> None:
    agent = load("folded-description")
    assert agent.description == "A description folded over several lines.\nWith a second paragraph."
    assert agent.capabilities == ["folding", "block lists"]
    assert agent.tags == ["yaml", "folded"]
    assert agent.parse_mode == "simple"  # block scalars are in the simple reader's subset


def test_folded_description_in_a_header_yaml_rejects() -> None:
    agent = load("folded-in-broken-yaml")
    assert agent.parse_mode == "tolerant"
    assert agent.description == "Folded text in a header that strict YAML rejects because of the line below."
    assert agent.tools == ["Read", "Bash"]
    assert agent.extra == {"example": "user: this colon breaks YAML"}
    assert agent.model == "opus"


def test_no_final_newline() -> None:
    assert load("no-final-newline").system_prompt == "Last line without newline"
    header_only = load("no-final-newline-header")
    assert header_only.description == "Even the closing fence has no newline."
    assert header_only.system_prompt == ""


def test_non_ascii_text_survives() -> None:
    agent = load("non-ascii")
    assert agent.description == "Datenanalyse für Ärztinnen — 日本語の説明 — emoji 🎉 and “smart quotes”."
    assert agent.tags == ["café", "naïve", "数据"]
    assert agent.author == "Zoë Ångström"
    assert agent.system_prompt.endswith("你好!")


def test_crlf_line_endings() -> None:
    raw = (ODD / "crlf-line-endings.md").read_bytes()
    assert b"\r\n" in raw  # the fixture really is CRLF (.gitattributes keeps it so)
    agent = load("crlf-line-endings")
    assert agent.description == "Written on Windows with CRLF line endings."
    assert agent.tags == ["windows", "crlf"]
    assert agent.system_prompt == "Line one.\nLine two."


def test_byte_order_mark() -> None:
    assert (ODD / "byte-order-mark.md").read_bytes().startswith(b"\xef\xbb\xbf")
    agent = load("byte-order-mark")
    assert agent.name == "byte-order-mark"
    assert agent.system_prompt == "Body after a BOM."


def test_unknown_fields_are_kept_with_their_yaml_types() -> None:
    agent = load("unknown-fields")
    assert agent.extra == {"temperature": 0.2, "license": "MIT", "examples": [{"prompt": "hi", "answer": "hello"}]}
    assert agent.version == "2.1"


def test_quoted_yaml_values_and_tier_case() -> None:
    agent = load("quoted-yaml")
    assert agent.name == "quoted-yaml"
    assert agent.description == 'A description with an escaped "quote" and a real\nline break.'
    assert agent.category == "custom-category"
    assert agent.capabilities == ["one, with a comma", "two"]
    assert agent.performance_tier == "thorough"


def test_category_defaults_to_the_parent_folder() -> None:
    assert load("tools-comma-string").category == "oddities"
    path = DATA / "collection" / "infrastructure" / "cloud" / "terraform-specialist.md"
    assert parse_agent(path, path.read_bytes()).category == "cloud"


def test_sha256_is_of_the_file_bytes() -> None:
    import hashlib

    path = ODD / "crlf-line-endings.md"
    assert load("crlf-line-endings").sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_unknown_tier_is_ignored_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("---\nname: x\nperformance_tier: turbo\n---\n", encoding="utf-8")
    agent = parse_agent(path, path.read_bytes())
    assert agent.performance_tier is None
    assert agent.notes == ["performance_tier 'turbo' ignored: use one of fast, balanced, thorough"]


@pytest.mark.parametrize(("filename", "reason"), [
    ("no-name.md", "no `name` in the frontmatter"),
    ("no-frontmatter.md", "no frontmatter (the first line must be '---'"),
    ("unclosed-frontmatter.md", "the frontmatter is never closed"),
    ("latin-1.md", "not UTF-8 text"),
    ("yaml-broken-no-name.md", "no `name` in the frontmatter; strict YAML failed: mapping values are not allowed"),
    ("name-is-a-list.md", "`name` must be text, not a list"),
])
def test_broken_files_say_why(filename: str, reason: str) -> None:
    path = DATA / "broken" / filename
    with pytest.raises(SkipFile) as caught:
        parse_agent(path, path.read_bytes())
    assert str(caught.value).startswith(reason)
