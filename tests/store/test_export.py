"""Exporting files: every escape is refused, and a refused or failed export changes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vibing2_lab.errors import ExportError
from vibing2_lab.store import export_files


def snapshot(root: Path) -> dict[str, str]:
    """Everything under `root` (links not followed): path -> kind and content or link target."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = "link->" + os.readlink(path)
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = "file:" + path.read_text()
    return out


@pytest.fixture
def area(tmp_path: Path) -> Path:
    """A parent folder holding an existing export target and a secret outside it."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("old")
    return tmp_path


def test_writes_a_new_folder_with_nested_files(tmp_path: Path) -> None:
    files = {"index.html": "<p>hi</p>\r\n", "src/app.js": "go()\n", "./css//a.css": "p{}"}
    written = export_files(files, tmp_path / "site")
    assert written == [tmp_path / "site" / "index.html", tmp_path / "site/src/app.js", tmp_path / "site/css/a.css"]
    assert snapshot(tmp_path) == {"site": "dir", "site/index.html": "file:<p>hi</p>\n", "site/src": "dir",
                                  "site/src/app.js": "file:go()\n", "site/css": "dir", "site/css/a.css": "file:p{}"}
    assert (tmp_path / "site/index.html").read_bytes() == b"<p>hi</p>\r\n"  # bytes kept as generated


def test_merges_into_an_existing_folder(area: Path) -> None:
    (area / "out" / "index.html").write_text("v1")
    export_files({"index.html": "v2", "js/app.js": "x"}, area / "out")
    assert snapshot(area / "out") == {"old.txt": "file:old", "index.html": "file:v2", "js": "dir",
                                      "js/app.js": "file:x"}
    assert sorted(p.name for p in area.iterdir()) == ["out", "outside"]  # no staging folder left


ESCAPES = {
    "absolute": ("/tmp/evil.txt", "absolute"),
    "dotdot": ("../outside/secret.txt", r"\.\."),
    "nested dotdot": ("a/../../outside/x.txt", r"\.\."),
    "backslash dotdot": ("..\\outside\\x.txt", r"\.\."),
    "drive letter": ("C:\\evil.txt", "drive"),
    "drive relative": ("c:evil.txt", "drive"),
}


@pytest.mark.parametrize("case", ESCAPES)
@pytest.mark.parametrize("target_exists", [True, False])
def test_escaping_paths_are_refused_and_nothing_is_written(area: Path, case: str, target_exists: bool) -> None:
    path, why = ESCAPES[case]
    target = area / "out" if target_exists else area / "new"
    before = snapshot(area)
    with pytest.raises(ExportError, match=why) as info:
        export_files({"fine.txt": "written first?", path: "evil"}, target)
    assert "relative path" in info.value.hint
    assert snapshot(area) == before


@pytest.mark.parametrize("make_link", ["folder", "file", "dangling"])
def test_symlinks_in_the_target_that_lead_outside_are_refused(area: Path, make_link: str) -> None:
    out = area / "out"
    links = {
        "folder": (out / "assets", area / "outside", "assets/x.js"),
        "file": (out / "index.html", area / "outside" / "secret.txt", "index.html"),
        "dangling": (out / "new.txt", area / "outside" / "not-yet.txt", "new.txt"),
    }
    link, points_to, written_path = links[make_link]
    link.symlink_to(points_to)
    before = snapshot(area)
    with pytest.raises(ExportError, match="outside") as info:
        export_files({"a.txt": "fine", written_path: "overwrite?"}, out)
    assert "link" in info.value.hint
    assert snapshot(area) == before
    assert (area / "outside" / "secret.txt").read_text() == "secret"


def test_a_symlink_that_stays_inside_the_target_is_allowed(area: Path) -> None:
    (area / "out" / "real").mkdir()
    (area / "out" / "alias").symlink_to(area / "out" / "real")
    export_files({"alias/a.txt": "via the link"}, area / "out")
    assert (area / "out" / "real" / "a.txt").read_text() == "via the link"


@pytest.mark.parametrize("files, why", [
    ({"a": "file", "a/b": "below a file"}, "is a file"),
    ({"Index.html": "1", "index.html": "2"}, "only in case"),
    ({"": "x"}, "non-empty"),
    ({".": "x"}, "names no file"),
    ({"a\x00b": "x"}, "control"),
    ({"ok.txt": b"bytes"}, "not text"),
])
def test_clashing_or_empty_paths_are_refused(area: Path, files: dict, why: str) -> None:
    before = snapshot(area)
    with pytest.raises(ExportError, match=why):
        export_files(files, area / "new")
    assert snapshot(area) == before


def test_existing_files_and_folders_in_the_way_are_refused(area: Path) -> None:
    (area / "out" / "dir").mkdir()
    before = snapshot(area)
    with pytest.raises(ExportError, match="is a file"):
        export_files({"old.txt/x.js": "1"}, area / "out")
    with pytest.raises(ExportError, match="is a folder"):
        export_files({"dir": "1"}, area / "out")
    with pytest.raises(ExportError, match="not a folder"):
        export_files({"x": "1"}, area / "out" / "old.txt")
    assert snapshot(area) == before


@pytest.mark.parametrize("target_exists", [True, False])
def test_a_write_that_fails_midway_leaves_nothing_behind(area: Path, target_exists: bool) -> None:
    # Content that cannot be written as UTF-8 (a lone surrogate) passes validation and fails
    # while writing. (Names longer than a disk allows are refused before anything is written.)
    files = {"a.txt": "first", "b/c.txt": "second", "z.txt": "bad \udc80 text"}
    before = snapshot(area)
    with pytest.raises(ExportError, match="Nothing was changed"):
        export_files(files, area / "out" if target_exists else area / "new")
    assert snapshot(area) == before


def test_a_move_that_fails_midway_puts_everything_back(area: Path) -> None:
    from vibing2_lab.store.export import _merge_into

    out = area / "out"
    (out / "index.html").write_text("original")
    staging = area / "staging"
    for rel in ("index.html", "new/deep/a.js", "b.txt"):
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        (staging / rel).write_text("staged")
    (staging / "b.txt").unlink()  # the third move will fail, after two succeeded
    before = snapshot(out)
    with pytest.raises(FileNotFoundError):
        _merge_into(staging, out, ["index.html", "new/deep/a.js", "b.txt"])
    assert snapshot(out) == before
