"""The preview policy: the one place that says what a generated page may load and how it is sandboxed.

Generated HTML runs in two ways, both under this policy:

- as a `srcdoc` in `<iframe sandbox="allow-scripts">` (the `%%vibe` panel, the sidebar's JSON preview):
  `document(html)` returns the finished document, with the CSP `<meta>` as the very first element
  after the doctype, where no markup of the page can come before it;
- as files served by the app route, where `header(origin)` is the `Content-Security-Policy` header:
  `sandbox ...` makes even a page opened in its own tab run in an opaque origin.

Network levels (config.yaml `preview: {network: cdn|none|open, cdns: [...]}`):

    none  nothing from the network: inline scripts and styles, data:/blob: images and fonts
    cdn   (default) also scripts, styles, fonts and images from `cdns` (well-known public CDNs);
          connect-src stays closed, so fetch/XHR/WebSocket/EventSource reach nothing
    open  anything from anywhere, connections included

What no CSP can stop (the front ends detect navigation of the frame; see README "Preview"): a
scripted page navigating itself (`location.href`, a link, `<meta http-equiv=refresh>`), and WebRTC.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from .errors import ConfigError

NETWORK_LEVELS = ("cdn", "none", "open")

# Scripts, styles, fonts and images of the most common generated pages (React, Vue, Tailwind,
# Chart.js, D3, Three.js, Google Fonts). https only: a page served over http still may use them.
DEFAULT_CDNS = (
    "https://cdn.jsdelivr.net",
    "https://unpkg.com",
    "https://cdnjs.cloudflare.com",
    "https://esm.sh",
    "https://cdn.tailwindcss.com",
    "https://fonts.googleapis.com",
    "https://fonts.gstatic.com",
)

# The iframe attribute (the front ends set it; no same-origin flag, ever) and the header's sandbox.
FRAME_SANDBOX = "allow-scripts"
HEADER_SANDBOX = "sandbox allow-scripts allow-forms allow-modals"

# A CSP host-source: scheme://host[:port] or a bare host, optionally `*.` and a path; nothing that
# could end the directive (`;`, `,`), quote a keyword or add a source (whitespace).
_HOST_SOURCE = re.compile(r"^(?:(?:https?|wss?)://)?(?:\*\.)?[A-Za-z0-9.-]+(?::(?:\d{1,5}|\*))?(?:/[\w./~%-]*)?$")
_DOCTYPE = re.compile(r"\A(?:\ufeff)?\s*<!doctype[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class PreviewPolicy:
    """What a previewed page may load: a network level and, for `cdn`, the allowed hosts."""

    network: str = "cdn"
    cdns: tuple[str, ...] = field(default=DEFAULT_CDNS)

    def __post_init__(self) -> None:
        if self.network not in NETWORK_LEVELS:
            raise ConfigError(f"preview.network is {self.network!r}.",
                              hint=f"Use one of: {', '.join(NETWORK_LEVELS)}.")
        for host in self.cdns:
            if not isinstance(host, str) or not _HOST_SOURCE.match(host):
                raise ConfigError(f"preview.cdns: {host!r} is not a host such as https://cdn.jsdelivr.net.",
                                  hint="List hosts as scheme://host[:port], one per entry.")

    def csp(self, *, origin: str | None = None) -> str:
        """The Content-Security-Policy directives; `origin` (the app route's own) may serve files too."""
        if self.network == "open":
            return ("default-src * data: blob: 'unsafe-inline' 'unsafe-eval'; "
                    "connect-src * data: blob:; form-action *")
        own = f" {origin}" if origin else ""
        hosts = "".join(f" {h}" for h in self.cdns) if self.network == "cdn" else ""
        # 'unsafe-eval' (cdn only) lets in-browser JSX/Babel and template compilers run; it adds no
        # way out. `none` is exactly the policy before network levels existed.
        evaluation = " 'unsafe-eval'" if self.network == "cdn" else ""
        return "; ".join([
            "default-src 'none'",
            f"script-src 'unsafe-inline'{evaluation}{own}{hosts}",
            f"style-src 'unsafe-inline'{own}{hosts}",
            f"img-src data: blob:{own}{hosts}",
            f"font-src data:{own}{hosts}",
            f"media-src data: blob:{own}",
            "connect-src 'none'",
            "form-action 'none'",
        ])

    def header(self, origin: str | None = None) -> str:
        """The app route's `Content-Security-Policy` header: the sandbox, the directives, and
        Jupyter's own framing rule (only its pages may frame the app: no clickjacking)."""
        return f"{HEADER_SANDBOX}; {self.csp(origin=origin)}; frame-ancestors 'self'"

    def meta(self) -> str:
        """The CSP as a `<meta>` element (for a srcdoc, which has no headers)."""
        return f'<meta http-equiv="Content-Security-Policy" content="{html.escape(self.csp())}">'

    def document(self, page: str) -> str:
        """The finished srcdoc: `page` with the CSP meta first, after the doctype if it has one.

        Before anything of the page: a parser that sees the meta as the first element after the
        doctype puts it in the implied <head> whatever comes next (`<!-- <head> -->`, `<title>`,
        a second `<head>`...), and a CSP meta only governs what follows it.
        """
        doctype = _DOCTYPE.match(page)
        at = doctype.end() if doctype else 0
        return page[:at] + self.meta() + page[at:]


def policy_from_config(data: object, where: str) -> PreviewPolicy:
    """The `preview:` section of config.yaml as a PreviewPolicy (ConfigError naming the key)."""
    if data is None:
        return PreviewPolicy()
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: `preview` must be a mapping, not {type(data).__name__}.",
                          hint="Write preview: {network: cdn} or delete the section.")
    unknown = sorted(set(data) - {"network", "cdns"})
    if unknown:
        raise ConfigError(f"{where}: unknown key {', '.join(map(repr, unknown))} in preview.",
                          hint="Known keys: cdns, network.")
    cdns = data.get("cdns", DEFAULT_CDNS)
    if not isinstance(cdns, (list, tuple)):
        raise ConfigError(f"{where}: `preview.cdns` must be a list of hosts, not {type(cdns).__name__}.",
                          hint="Write cdns: [https://cdn.jsdelivr.net, https://unpkg.com].")
    network = data.get("network", "cdn")
    try:
        return PreviewPolicy(network=network, cdns=tuple(cdns))
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc.message}", hint=exc.hint) from None
