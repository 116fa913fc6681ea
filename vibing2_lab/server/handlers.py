"""Route table of the server extension. Every verb is authenticated and authorized."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .. import __version__
from .base import VibeHandler

API_PREFIX = "/vibing2-lab/api"


class HealthHandler(VibeHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.write_json({"status": "ok", "name": "vibing2-lab", "version": __version__})


ROUTES: list[tuple[str, type[VibeHandler]]] = [
    ("health", HealthHandler),
]
