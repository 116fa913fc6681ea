"""The route table of the server extension (under /vibing2-lab/api/). Every verb of every
handler is authenticated and authorized; tests/server/test_auth.py walks this table."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .. import __version__
from . import (handlers_agents, handlers_app, handlers_auth, handlers_complete, handlers_projects, handlers_stream,
               handlers_versions)
from .base import VibeHandler

API_PREFIX = "/vibing2-lab/api"


class HealthHandler(VibeHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.write_json({"status": "ok", "name": "vibing2-lab", "version": __version__})


ROUTES: list[tuple[str, type[VibeHandler]]] = [
    ("health", HealthHandler),
    *handlers_agents.ROUTES,
    *handlers_projects.ROUTES,
    *handlers_versions.ROUTES,
    *handlers_app.ROUTES,
    *handlers_stream.ROUTES,
    *handlers_auth.ROUTES,
    *handlers_complete.ROUTES,
]
