"""The preview policy: one definition of what a generated page may load (Chromium tests: tests/browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vibing2_lab.config import load_settings
from vibing2_lab.errors import ConfigError
from vibing2_lab.preview import DEFAULT_CDNS, PreviewPolicy


def directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}


def test_levels() -> None:
    cdn = directives(PreviewPolicy().csp())
    assert cdn["default-src"] == ["'none'"] and cdn["connect-src"] == ["'none'"] and cdn["form-action"] == ["'none'"]
    for kind in ("script-src", "style-src", "font-src", "img-src"):
        assert set(DEFAULT_CDNS) <= set(cdn[kind]), kind
    assert "https://esm.sh" in cdn["script-src"] and "https://fonts.gstatic.com" in cdn["font-src"]
    none = directives(PreviewPolicy(network="none").csp())
    assert not [s for v in none.values() for s in v if s.startswith("http")] and none["connect-src"] == ["'none'"]
    assert directives(PreviewPolicy(network="open").csp())["connect-src"][0] == "*"


def test_the_app_header_sandboxes_and_allows_the_server_itself() -> None:
    header = PreviewPolicy().header("http://127.0.0.1:8888")
    assert header.startswith("sandbox allow-scripts allow-forms allow-modals; ")
    assert "allow-same-origin" not in header and "allow-top-navigation" not in header and "allow-popups" not in header
    assert "http://127.0.0.1:8888" in directives(header.split("; ", 1)[1])["script-src"]


@pytest.mark.parametrize("page, start", [
    ("<html><head><title>t</title></head></html>", ""),
    ("<!DOCTYPE html>\n<html><head></head></html>", "<!DOCTYPE html>"),
    ("  <!doctype html><!-- <head> --><head>", "  <!doctype html>"),
    ("\ufeff<!doctype html>x", "\ufeff<!doctype html>"),
    ("<!-- <head> --><title><head></title>", ""),
    ('<!DOCTYPE html PUBLIC "-//x>y"><p>', '<!DOCTYPE html PUBLIC "-//x>'),  # the parser ends it at `>` too
])
def test_the_meta_is_the_first_thing_after_the_doctype(page: str, start: str) -> None:
    policy = PreviewPolicy()
    doc = policy.document(page)
    assert doc == start + policy.meta() + page[len(start):]
    assert "&#x27;none&#x27;" in policy.meta()  # quotes escaped: the attribute cannot be closed early


def test_config_yaml_preview_section(vibe_home: Path) -> None:
    assert load_settings().preview_policy() == PreviewPolicy()
    (vibe_home / "config.yaml").write_text("preview: {network: cdn, cdns: ['http://127.0.0.1:9000']}\n")
    assert load_settings().preview_policy().cdns == ("http://127.0.0.1:9000",)
    (vibe_home / "config.yaml").write_text("preview: {network: none}\n")
    assert load_settings().preview_policy().network == "none"
    for bad, words in (("preview: {network: wide}", "preview.network"),
                       ("preview: {cdns: ['https://x.com; script-src *']}", "is not a host"),
                       ("preview: {cdns: https://x.com}", "list of hosts"),
                       ("preview: {netwrok: none}", "unknown key 'netwrok'"),
                       ("preview: [cdn]", "must be a mapping")):
        (vibe_home / "config.yaml").write_text(bad + "\n")
        with pytest.raises(ConfigError, match="config.yaml") as info:
            load_settings()
        assert words in str(info.value), bad
