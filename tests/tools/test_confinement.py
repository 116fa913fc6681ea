"""File tools stay inside the working directory: absolute paths elsewhere, `..`, symlinks out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vibing2_lab.events import ToolUseEvent
from vibing2_lab.tools import Decision, Policy, ToolContext, ToolRunner, builtin_tools


@pytest.fixture
def work(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    (root / "sub").mkdir(parents=True)
    (root / "data.txt").write_text("alpha\nbeta\ngamma\n")
    (root / "sub" / "notes.md").write_text("beta notes\n")
    (tmp_path / "secret.txt").write_text("top secret beta\n")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    os.symlink(tmp_path, root / "out")
    return root


def run(work: Path, name: str, **input: object) -> tuple[str, str]:
    runner = ToolRunner(Policy(), consent=lambda p: Decision.once(), ctx=ToolContext(work))
    step = runner.run(ToolUseEvent(id="t", name=name, input=dict(input)), builtin_tools())
    return step.status, step.content


def test_read_inside_with_line_numbers_offset_and_limit(work: Path) -> None:
    assert run(work, "Read", file_path="data.txt") == ("ok", "     1\talpha\n     2\tbeta\n     3\tgamma")
    status, text = run(work, "Read", file_path=str(work / "data.txt"), offset=2, limit=1)
    assert status == "ok" and text.startswith("     2\tbeta") and "1 more lines not shown" in text


@pytest.mark.parametrize("path", ["/etc/passwd", "../secret.txt", "sub/../../secret.txt", "link.txt",
                                  "out/secret.txt"])
@pytest.mark.parametrize("tool", ["Read", "Write", "Edit"])
def test_every_way_out_is_refused_and_says_so(work: Path, tmp_path: Path, path: str, tool: str) -> None:
    before = (tmp_path / "secret.txt").read_text()
    extra = {"Read": {}, "Write": {"content": "pwned"}, "Edit": {"old_string": "beta", "new_string": "x"}}[tool]
    status, text = run(work, tool, file_path=path, **extra)
    assert status == "error" and "outside the working directory" in text and "secret" not in text.replace(path, "")
    assert (tmp_path / "secret.txt").read_text() == before
    if "link" in path or path.startswith("out"):
        assert "symlink" in text


def test_glob_and_grep_never_list_what_lies_outside(work: Path) -> None:
    status, listed = run(work, "Glob", pattern="**/*.txt")
    assert status == "ok" and listed.splitlines() == ["data.txt"]  # link.txt points out: not listed
    status, hits = run(work, "Grep", pattern="beta")
    assert status == "ok" and sorted(hits.splitlines()) == ["data.txt:2:beta", "sub/notes.md:1:beta notes"]
    assert run(work, "Glob", pattern="../*")[0] == "error"
    assert "outside" in run(work, "Grep", pattern="beta", path="..")[1]


def test_size_limits_say_what_was_cut(work: Path) -> None:
    (work / "long.txt").write_text("".join(f"line {n}\n" for n in range(5000)))
    status, text = run(work, "Read", file_path="long.txt", limit=100)
    assert status == "ok" and text.count("\n") == 100 and "4,900 more lines not shown; read on with offset=101" in text
    status, text = run(work, "Read", file_path="long.txt")  # 2,000 lines by default, then the output limit
    assert status == "ok" and text.endswith("more characters not shown]") and "output cut" in text
    (work / "wide.txt").write_text("x" * 5000)
    assert "[… line cut]" in run(work, "Read", file_path="wide.txt")[1]
    (work / "bin.dat").write_bytes(b"\x00\x01" * 10)
    assert "binary" in run(work, "Read", file_path="bin.dat")[1]


def test_write_and_edit_report_the_file_for_the_project(work: Path) -> None:
    written: list[tuple[str, str]] = []
    ctx = ToolContext(work, on_file_written=lambda p, t: written.append((p, t)))
    runner = ToolRunner(Policy(), consent=lambda p: Decision.once(), ctx=ctx)
    tools = builtin_tools()
    assert runner.run(ToolUseEvent("1", "Write", {"file_path": "app/index.html", "content": "<p>hi</p>"}),
                      tools).status == "ok"
    step = runner.run(ToolUseEvent("2", "Edit", {"file_path": "app/index.html", "old_string": "hi",
                                                 "new_string": "hello"}), tools)
    assert step.status == "ok" and "-<p>hi</p>" in step.content and "+<p>hello</p>" in step.content
    assert written == [("app/index.html", "<p>hi</p>"), ("app/index.html", "<p>hello</p>")]
    step = runner.run(ToolUseEvent("3", "Edit", {"file_path": "data.txt", "old_string": "zzz", "new_string": "y"}),
                      tools)
    assert step.status == "error" and "not found" in step.content


def test_glob_patterns_and_a_huge_tree_cannot_stall_a_call(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vibing2_lab.tools import files

    (work / "sub" / "deep").mkdir()
    (work / "sub" / "deep" / "x.py").write_text("")
    (work / "top.py").write_text("")
    assert run(work, "Glob", pattern="**/*.py")[1].splitlines() == ["top.py", "sub/deep/x.py"]
    assert run(work, "Glob", pattern="*.py")[1] == "top.py"
    assert run(work, "Glob", pattern="sub/**/*.py")[1] == "sub/deep/x.py"
    monkeypatch.setattr(files, "MAX_SCANNED", 3)
    status, text = run(work, "Glob", pattern="**/*")
    assert status == "ok" and "stopped after looking at 3 files" in text
