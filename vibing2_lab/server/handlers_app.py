"""The full-page app route: a project's files served at their own paths, always under a sandbox CSP.

    GET projects/{id}/app/            the entry page (via a redirect, see below)
    GET projects/{id}/app/{path}      any other file, with its content type

Every response (errors and redirects too) carries `Content-Security-Policy: sandbox allow-scripts
allow-forms allow-modals; ...` from the preview policy (vibing2_lab/preview.py), never
the same-origin flag: even opened in its own tab the app runs in an opaque origin, so it cannot
read Jupyter's cookies nor call its API with them.

Why a ticket in the path: a document in an opaque origin sends no credentials with its module
imports (they are CORS requests from origin `null`) and no SameSite cookies with anything
else, so `<script type="module" src="app.js">` could never pass Jupyter's authentication.
A Jupyter-authenticated request for a page is therefore redirected to
`app/@<ticket>/<path>`, where the ticket (an HMAC of the project id and the user under a key
that lives only in this server process, then the user's name) authenticates the read of that one
project's files as that user: what they may see, nothing else (a private project of theirs on a
multi-user server too; it was "No project" when the ticket read as nobody). Relative
URLs of the page then resolve under the ticket. Without a valid ticket or Jupyter's
credentials the route answers 403 like every other; a path that leaves the project is a 404.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import re
import secrets
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import ApiError, VibeHandler
from .handlers_projects import REF

if TYPE_CHECKING:
    from ..preview import PreviewPolicy

_KEY = secrets.token_bytes(32)  # per server process: tickets die with it
_TICKET = re.compile(r"@([A-Za-z0-9_-]{32})([A-Za-z0-9_-]*)(?:/(.*))?\Z", re.DOTALL)  # HMAC, user, path
_HOST = re.compile(r"^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$")
_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json",
          ".webmanifest": "application/manifest+json", ".svg": "image/svg+xml", ".map": "application/json"}
PAGES = (".html", ".htm")


def ticket(project_id: int, user: str) -> str:
    """The capability to read project `project_id`'s app files as `user` from this server process."""
    digest = hmac.new(_KEY, f"app:{project_id}:{user}".encode(), hashlib.sha256).digest()
    return _b64(digest)[:32] + _b64(user.encode())


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def ticket_user(project_id: int, match: re.Match[str]) -> str | None:
    """The user a ticket (a _TICKET match) was given to, if it is this process's ticket for the project."""
    import base64
    import binascii

    name = match.group(2)
    try:
        user = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user if hmac.compare_digest(ticket(project_id, user), match.group(1) + name) else None


def app_url(base_url: str, project_id: int, user: str, path: str = "") -> str:
    """Where project `project_id`'s app runs for `user`: its page `path` under their ticket."""
    from urllib.parse import quote

    from jupyter_server.utils import url_path_join

    from .handlers import API_PREFIX

    return url_path_join(base_url, API_PREFIX, "projects", str(project_id), "app",
                         f"@{ticket(project_id, user)}", quote(path)) + ("/" if not path else "")


def content_type(path: str) -> str:
    """The Content-Type of a project file (text: UTF-8; unknown: plain text, never sniffed)."""
    ext = "." + path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    kind = _TYPES.get(ext) or mimetypes.guess_type(path)[0] or "text/plain"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith(("json", "xml")) else kind


class ProjectAppHandler(VibeHandler):
    """`GET projects/{id}/app/{path}` (see the module docstring)."""

    _by_ticket = False
    _ticket_user = ""

    @property
    def content_security_policy(self) -> str:
        host = self.request.host or ""
        origin = f"{self.request.protocol}://{host}" if _HOST.match(host) else None
        return _policy().header(origin)

    async def prepare(self) -> None:  # type: ignore[override]
        match = _TICKET.match(self.path_kwargs.get("path") or "")
        ref = self.path_kwargs.get("ref", "")
        user = ticket_user(int(ref), match) if match is not None and ref.isascii() and ref.isdigit() else None
        if user is None:
            await super().prepare()  # Jupyter's own authentication (403 without it)
            return
        if not self.check_host():
            raise web.HTTPError(403)
        from jupyter_server.auth import User

        # The ticket stands for the user who was given it; it can only read this project's files.
        self._by_ticket, self._ticket_user = True, user
        self.current_user = self._jupyter_current_user = User(username="vibing2-lab-app", name="app preview")
        # Module scripts are CORS requests from origin null: let them read the answer (no credentials).
        self.set_header("Access-Control-Allow-Origin", "*")

    def vibe_user(self) -> str:
        return self._ticket_user if self._by_ticket else super().vibe_user()

    @web.authenticated
    @authorized
    async def get(self, ref: str, path: str = "") -> None:
        self.set_header("Cache-Control", "no-store")  # a revert must show at once
        self.set_header("Referrer-Policy", "no-referrer")
        match = _TICKET.match(path)
        if match:
            path = match.group(3) or ""
        files, pid = await self.blocking(_app_files, self.store(), int(ref) if self._by_ticket else ref)
        target = _resolve(files, path)
        if target is None:
            raise ApiError(404, f"The app has no file {path!r}.", kind="not_found",
                           hint="See the project's files in the sidebar, or ask for the page first.")
        if not self._by_ticket and target.lower().endswith(PAGES):
            # A page must run under the ticket, or its relative imports would be refused.
            self.redirect(app_url(self.base_url, pid, self.vibe_user(), target))
            return
        self.finish(files[target].encode("utf-8", "surrogatepass"), set_content_type=content_type(target))


def _policy() -> PreviewPolicy:
    """config.yaml's preview policy; a broken config.yaml gives the strictest one (this runs while
    the response headers are made, before the route can answer with the config error)."""
    from ..config import load_settings
    from ..errors import VibeError
    from ..preview import PreviewPolicy

    try:
        return load_settings().preview_policy()
    except VibeError:
        return PreviewPolicy(network="none")


def _app_files(store: Any, ref: str | int) -> tuple[dict[str, str], int]:
    project = store.get_project(ref)
    return project.file_map(), project.id


def _resolve(files: dict[str, str], path: str) -> str | None:
    """The project file a URL path names ("" or a folder: its index.html; "": else the entry page)."""
    from ..errors import ExportError
    from ..store import safe_relative_path
    from ..store.preview import entry_page

    if path in ("", "/"):
        return "index.html" if "index.html" in files else entry_page(files)
    if path.endswith("/"):
        path += "index.html"
    try:
        clean = safe_relative_path(path)
    except ExportError:
        return None  # `..`, absolute paths, drive letters: outside the project is simply not there
    return clean if clean in files else None


ROUTES: list[tuple[str, type[VibeHandler]]] = [
    (f"projects/{REF}/app", ProjectAppHandler),  # the entry page, like app/
    (f"projects/{REF}/app/(?P<path>.*)", ProjectAppHandler),
]
