"""Frontmatter: split a Markdown file into its YAML header and body, and read the header.

The header is read in up to three steps, the first that works wins:

    simple    a line-based reader for the plain subset nearly every agent file uses
              (`key: value`, `key: [a, b]`, `- item` lists, `>`/`|` blocks). It gives exactly what
              `yaml.safe_load` would and steps aside on anything it is not sure of, so
              loading hundreds of ordinary files never pays for importing or running YAML.
              When it is certain YAML would fail (`key: text: more`), it says so and the
              tolerant reader takes over directly.
    yaml      strict YAML (`yaml.safe_load`, with libyaml when available).
    tolerant  for files written for Claude Code subagents that strict YAML rejects
              (unquoted descriptions with `: `, `<example>` blocks, `user:` lines): the
              known keys at line starts split the header, everything up to the next
              known key is that key's value.
"""

from __future__ import annotations

import re
from typing import Any

KNOWN_KEYS = ("name", "description", "category", "capabilities", "tools", "tags", "version",
              "author", "performance_tier", "model", "color")
LIST_KEYS = frozenset({"capabilities", "tools", "tags"})


class NotSimple(Exception):
    """The simple reader is not sure; let YAML decide."""


class NotYaml(NotSimple):
    """The simple reader is sure strict YAML rejects this header (the message says why)."""


class HeaderError(Exception):
    """The header could not be read by any step; the message says why."""


MAX_HEADER_CHARS = 256_000  # the longest real Claude Code descriptions are ~10 KB
MAX_VALUES = 10_000  # scalars, lists and mappings in the loaded header, aliases counted per use


# -- splitting -----------------------------------------------------------------------

_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def split(text: str) -> tuple[str | None, str]:
    """(header, body) of a Markdown file; header is None when there is no frontmatter."""
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    stripped = text.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    if not _FENCE.match(first):
        return None, text
    close = _CLOSE.search(rest)
    if close is None:
        raise HeaderError("the frontmatter is never closed (no second '---' line)")
    return rest[: close.start()], rest[close.end():].lstrip("\n")


def read_header(header: str) -> tuple[dict[str, Any], str, str | None]:
    """(fields, mode, yaml_error) where mode is "simple", "yaml" or "tolerant"."""
    from .tolerant import tolerant
    if len(header) > MAX_HEADER_CHARS:
        raise HeaderError(f"the frontmatter is {len(header):,} characters, more than {MAX_HEADER_CHARS:,}; "
                          "keep long text in the body")
    try:
        return simple(header), "simple", None
    except NotYaml as exc:  # e.g. `description: Use it: always`; no need to load YAML to hear "no"
        return tolerant(header), "tolerant", str(exc)
    except NotSimple:
        pass
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(header, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        return tolerant(header), "tolerant", _first_line(exc)
    if data is None:
        return {}, "yaml", None
    if not isinstance(data, dict):
        return tolerant(header), "tolerant", f"the frontmatter is a {type(data).__name__}, not a mapping"
    _bounded(data)
    return {str(k): v for k, v in data.items()}, "yaml", None


def _bounded(data: Any) -> None:
    """HeaderError when the loaded header is larger than MAX_VALUES values or MAX_HEADER_CHARS of text.

    YAML aliases share one object, so loading a "billion laughs" header is cheap; it is
    everything after (str(), joining tags, JSON) that expands it. Walking it once with a
    budget, each alias counted every time it is used, measures what those steps would see.
    """
    budget, chars = MAX_VALUES, 0
    stack = [data]
    while stack:
        value = stack.pop()
        budget -= 1
        if budget < 0:
            raise HeaderError(f"the frontmatter expands to more than {MAX_VALUES:,} values "
                              "(YAML aliases inside aliases?); write the values out plainly")
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, str):
            chars += len(value)
            if chars > MAX_HEADER_CHARS:
                raise HeaderError(f"the frontmatter expands to more than {MAX_HEADER_CHARS:,} characters "
                                  "(YAML aliases?); write the values out plainly")


def _first_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:160]


# -- the simple reader ---------------------------------------------------------------

# Plain scalars YAML 1.1 (PyYAML's resolver) turns into something other than a string.
_IMPLICIT = re.compile(r"""^(?:
      yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
    | ~|null|Null|NULL|=|<<
    | [-+]?[0-9_]*\.?[0-9_]*(?:[eE][-+]?[0-9]+)?
    | [-+]?[0-9][0-9_]*(?::[0-9_]+)+(?:\.[0-9_]*)?
    | [-+]?0b[0-1_]+|[-+]?0x[0-9a-fA-F_]+
    | [-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
    | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt \t].*)?
    )$""", re.VERBOSE)  # a superset of PyYAML's implicit resolvers: on a match, YAML decides
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?:$|[ \t]+(.*))")  # value still carries trailing blanks
_ITEM = re.compile(r" *-(?:$|[ \t]*$| +(.*))")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_MAYBE_IMPLICIT = frozenset("yYnNtTfFoO~=<0123456789+.")  # first characters _IMPLICIT can match
_FLOW_UNSAFE = re.compile(r"[,\[\]{}:#?]")
# Characters YAML refuses in a stream, and the BOM (only allowed at the very start).
_NONPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff\ud800-\udfff]")


def simple(header: str) -> dict[str, Any]:
    """Read the plain subset of YAML exactly as `yaml.safe_load` would, or raise NotSimple."""
    if "\t" in header or _NONPRINTABLE.search(header):
        raise NotSimple  # YAML's rules for tabs are subtle: leave them to YAML
    lines = header.split("\n")
    data: dict[str, Any] = {}
    key: str | None = None  # the key whose block list may follow
    indent = -1  # of that list's items: YAML wants them all at one indentation
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        first = line[:1]
        if not first or first == "#":
            continue
        if first in " -":
            indent = _item(line, data, key, indent)
            continue
        match = _KEY.match(line)
        if match is None:
            raise NotSimple
        key, raw = match.group(1), (match.group(2) or "").rstrip(" ")
        if key in data or (first in _MAYBE_IMPLICIT and _IMPLICIT.match(key)):
            raise NotSimple
        if not raw:
            data[key] = None
            continue
        if raw in _BLOCK_HEADS:
            data[key], i = _block_scalar(raw, lines, i)
        elif raw[0] not in _INDICATORS and _mapping_inside(raw):
            raise NotYaml(f"mapping values are not allowed here (line {i}: {line[:60]!r})")
        else:
            data[key] = _flow_list(raw) if raw[0] == "[" else _scalar(raw, flow=False)
        key = None
    return data


def _item(line: str, data: dict[str, Any], key: str | None, indent: int) -> int:
    """Add a `- item` line to the list under `key`; returns the list's indentation."""
    stripped = line.strip()
    if not stripped or stripped[0] == "#":
        return indent
    item = _ITEM.match(line)
    if item is None or key is None:
        raise NotSimple  # a continuation line or a nested mapping
    here = len(line) - len(line.lstrip(" "))
    if data[key] is None:
        data[key], indent = [], here
    elif here != indent:
        raise NotSimple
    data[key].append(_scalar((item.group(1) or "").strip(" "), flow=False, empty_ok=True))
    return indent


_BLOCK_HEADS = frozenset({">", "|", ">-", "|-"})


def _block_scalar(head: str, lines: list[str], i: int) -> tuple[str, int]:
    """A `>` or `|` block (clip or strip chomping) starting at lines[i]; (text, next line)."""
    body: list[str] = []
    width = 0
    while i < len(lines):
        line = lines[i]
        if line:
            here = len(line) - len(line.lstrip(" "))
            if not width:
                if body:
                    raise NotSimple  # leading empty lines: leave them to YAML
                if here == 0:
                    break  # no content at all
                width = here
            if here < width and line.strip():
                break
            if here != width or not line.strip():
                raise NotSimple  # more-indented or whitespace-only lines: subtle in YAML
            line = line[width:]
        body.append(line)
        i += 1
    while body and not body[-1]:
        body.pop()
    if not body:
        raise NotSimple
    text = "\n".join(body) if head[0] == "|" else _fold(body)
    ends_without_break = i == len(lines) and lines[-1] != ""
    return (text if head.endswith("-") or ends_without_break else text + "\n"), i


def _fold(body: list[str]) -> str:
    """YAML folding: a single line break becomes a space, n empty lines become n breaks."""
    out, blanks = body[0], 0
    for line in body[1:]:
        if not line:
            blanks += 1
            continue
        out += "\n" * blanks if blanks else " "
        out += line
        blanks = 0
    return out


def _mapping_inside(raw: str) -> bool:
    """A plain value holding `: ` (or ending in `:`) before any comment: YAML always rejects it."""
    comment = raw.find(" #")
    head = raw if comment < 0 else raw[:comment]
    return ": " in head or head.endswith(":")


def _scalar(raw: str, *, flow: bool, empty_ok: bool = False) -> str | None:
    if not raw:
        if empty_ok:
            return None
        raise NotSimple
    first = raw[0]
    if first == "'":
        inner = raw[1:-1]
        if len(raw) < 2 or raw[-1] != "'" or "'" in inner.replace("''", ""):
            raise NotSimple
        return inner.replace("''", "'")
    if first == '"':
        inner = raw[1:-1]
        if len(raw) < 2 or raw[-1] != '"' or '"' in inner or "\\" in inner:
            raise NotSimple
        return inner
    if first in _INDICATORS or raw[-1] == ":" or ": " in raw or " #" in raw or "\t#" in raw:
        raise NotSimple
    if flow and _FLOW_UNSAFE.search(raw):
        raise NotSimple
    if first in _MAYBE_IMPLICIT and _IMPLICIT.match(raw):
        raise NotSimple
    return raw


def _flow_list(raw: str) -> list[str | None]:
    # One flat level only; a quoted item holding a comma or bracket is left to YAML.
    if raw[-1] != "]" or raw.count("[") != 1 or raw.count("]") != 1:
        raise NotSimple
    inner = raw[1:-1].strip()
    if not inner:
        return []
    return [_scalar(part.strip(), flow=True) for part in inner.split(",")]


# -- the tolerant reader -------------------------------------------------------------
