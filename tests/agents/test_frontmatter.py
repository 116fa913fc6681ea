"""The header readers: the fast simple reader agrees with YAML, the tolerant one keeps going."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vibing2_lab.agents import frontmatter
from vibing2_lab.agents.frontmatter import HeaderError, NotSimple, NotYaml, read_header, simple, split
from vibing2_lab.agents.tolerant import tolerant
from tests.agents.conftest import DATA, REPO

# Characters that change how YAML reads a scalar, plus ordinary and non-ASCII text.
TRICKY = "ab Z9-_.:#,'\"[]{}!&*|>%@`?~=<\\\té日"
keys = st.sampled_from(["name", "description", "tools", "tags", "x-y", "a_b", "model", "color", "on", "yes",
                        "No", "null", "True", "1", "<<"])
text = st.text(alphabet=TRICKY, max_size=14)
calm = st.text(alphabet="abcXYZ09 -_./()é日'\"#:?", min_size=1, max_size=20)  # mostly valid plain text
words = st.sampled_from(["1.0", "1.0.0", "1_000", "0x1F", "0o7", "012", "1:30", "2024-01-02", "2024-1-2 10:00:00",
                         ".5", "-1", "+.inf", ".NaN", "~", "null", "Yes", "off", "=", "<<", "-", "- a", "a: b",
                         "a #c", "a#c", "C#", "'q'", "'it''s'", '"d"', '"e\\n"', "[]", "[a]", "[a, b]", "[a,]",
                         "[a, [b]]", "{a: 1}", "!tag x", "&anchor x", "*alias", "|", ">", "plain words", "é"])
value = st.one_of(text, words, calm, calm, st.builds(lambda xs: "[" + ", ".join(xs) + "]",
                                                   st.lists(st.one_of(text, words, calm), max_size=4)))


@st.composite
def headers(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["pair", "pair", "pair", "pair", "list", "list", "block", "block", "blank",
                                     "comment", "junk"]))
        if kind == "pair":
            lines.append(f"{draw(keys)}:{draw(st.sampled_from([' ', ' ', '  ', chr(9), '']))}{draw(value)}")
        elif kind == "list":
            lines.append(f"{draw(keys)}:")
            for _ in range(draw(st.integers(0, 3))):
                lines.append(f"{draw(st.sampled_from(['', '  ', '  ', '    ', chr(9)]))}- {draw(value)}")
        elif kind == "block":
            lines.append(f"{draw(keys)}: {draw(st.sampled_from(['>', '|', '>-', '|-', '>+', '|2']))}")
            for _ in range(draw(st.integers(0, 4))):
                pad = draw(st.sampled_from(["", " ", "  ", "  ", "   ", "    "]))
                lines.append(pad + draw(st.sampled_from(["", "", "x"])) + draw(st.one_of(calm, text)))
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", "   "])))
        elif kind == "comment":
            lines.append("# a comment: with colon")
        else:
            lines.append(draw(text))
    return "\n".join(lines)


@st.composite
def plain_headers(draw: st.DrawFn) -> str:
    """Mostly valid headers: distinct keys, calm values, one indent per list."""
    names = draw(st.lists(st.sampled_from(["name", "description", "tools", "tags", "model", "x-y", "a_b", "color"]),
                          min_size=1, max_size=6, unique=True))
    lines = []
    for name in names:
        shape = draw(st.sampled_from(["pair", "list", "block"]))
        if shape == "pair":
            lines.append(f"{name}: {draw(st.one_of(calm, words))}")
        elif shape == "block":
            lines.append(f"{name}: {draw(st.sampled_from(['>', '|', '>-', '|-']))}")
            pad = draw(st.sampled_from([" ", "  ", "    "]))
            for _ in range(draw(st.integers(1, 4))):
                lines.append(draw(st.sampled_from(["", pad + draw(calm), pad + draw(calm)])))
        else:
            indent = draw(st.sampled_from(["", "  ", "    "]))
            lines.append(f"{name}:")
            lines.extend(f"{indent}- {item}" for item in draw(st.lists(st.one_of(calm, words), max_size=3)))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(headers(), plain_headers()))
def test_the_simple_reader_gives_exactly_what_yaml_gives(header: str) -> None:
    try:
        fast = simple(header)
    except NotYaml:  # the simple reader is sure YAML fails: it must
        with pytest.raises(yaml.YAMLError):
            yaml.safe_load(header)
        return
    except NotSimple:
        return
    try:
        strict = yaml.safe_load(header)
    except yaml.YAMLError as exc:  # the simple reader accepted something YAML rejects
        raise AssertionError(f"simple() accepted invalid YAML {header!r}: {exc}") from None
    assert fast == (strict or {}), header


def test_the_simple_reader_takes_the_common_shapes() -> None:
    header = ("name: a-b\ndescription: Plain text, with commas - and dashes.\ntools: Read, Write\n"
              "tags: [x, 'y z', \"w\"]\ncapabilities:\n  - one\n  - two\nversion: 1.0.0\nmodel: inherit\n")
    assert simple(header) == yaml.safe_load(header)


def test_every_bundled_agent_takes_the_fast_path_and_matches_yaml() -> None:
    files = sorted((REPO / "agents").glob("*.md"))
    assert len(files) >= 14
    for path in files:
        if path.name.lower().startswith("readme"):
            continue
        header, _ = split(path.read_text(encoding="utf-8"))
        assert header is not None, path
        assert simple(header) == yaml.safe_load(header), path


def test_read_header_order_simple_then_yaml_then_tolerant() -> None:
    assert read_header("name: a\n")[1] == "simple"
    assert read_header("name: a\ndescription: >\n  folded\n") == ({"name": "a", "description": "folded\n"}, "simple", None)
    assert read_header('name: a\ndescription: "say \\"hi\\""\n') == ({"name": "a", "description": 'say "hi"'}, "yaml", None)
    assert read_header("name: a\ndescription: a plain scalar\n  over two lines\n")[1] == "yaml"
    data, mode, error = read_header("name: a\ndescription: Use it: always\n")
    assert (data, mode) == ({"name": "a", "description": "Use it: always"}, "tolerant")
    assert error == "mapping values are not allowed here (line 2: 'description: Use it: always')"
    data, mode, error = read_header("name: a\ndescription: Use it: always\n  indented: more\n")
    assert mode == "tolerant" and error and "mapping values" in error


def test_a_yaml_scalar_header_goes_to_the_tolerant_reader() -> None:
    data, mode, error = read_header("just a sentence")
    assert (data, mode) == ({}, "tolerant")
    assert error == "the frontmatter is a str, not a mapping"


def test_split_handles_bom_crlf_leading_blank_lines_and_dots() -> None:
    assert split("\ufeff---\r\nname: a\r\n---\r\nbody\r\n") == ("name: a\n", "body\n")
    assert split("\n\n---\nname: a\n...\nbody") == ("name: a\n", "body")
    assert split("no frontmatter") == (None, "no frontmatter")
    with pytest.raises(HeaderError, match="never closed"):
        split("---\nname: a\n")


def test_tolerant_reader_values() -> None:
    data = tolerant(
        "name: x\n"
        "description: |\n  line one\n  line two\n"
        "tools: [Read, 'Write']\n"
        "tags:\n  - a\n  - \"b\"\n"
        "color: \"red\"\n"
        "model:   sonnet  \n"
    )
    assert data == {"name": "x", "description": "line one\nline two", "tools": ["Read", "Write"],
                    "tags": ["a", "b"], "color": "red", "model": "sonnet"}


def test_tolerant_reader_keeps_unknown_fields_before_and_between_known_keys() -> None:
    data = tolerant("id: 7\nname: x\ntools: Read\nhomepage: https://example.com/a:b\n")
    assert data == {"id": "7", "name": "x", "tools": "Read", "homepage": "https://example.com/a:b"}


def test_known_keys_match_the_agent_fields() -> None:
    from dataclasses import fields

    from vibing2_lab.agents.parse import Agent

    names = {f.name for f in fields(Agent)}
    assert set(frontmatter.KNOWN_KEYS) <= names


def test_fixture_folder_exists() -> None:
    assert (DATA / "oddities").is_dir()
