"""Versions of a project's files for the sidebar: list, diff, revert, the app as a zip, its app URL."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import VibeHandler
from .body import REQUIRED, fields
from .handlers_projects import REF, _attachment


def version_json(version: Any) -> dict[str, Any]:
    data = asdict(version)
    data["version"] = data.pop("number")
    return data


MAX_VERSION = 999_999_999


def _version_argument(handler: VibeHandler, name: str, default: Any = REQUIRED) -> Any:
    return handler.query_int(name, default, low=0, high=MAX_VERSION, what="a version number", example=f"{name}=1")


class VersionsHandler(VibeHandler):
    """`GET projects/{id}/versions`: every version, oldest first, with the app's URL."""

    @web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        from .handlers_app import app_url

        store = self.store()
        project = await self.blocking(store.get_project, ref)
        versions = await self.blocking(store.versions, project.id)
        self.write_json({"project": project.id, "versions": [version_json(v) for v in versions],
                         "app_url": app_url(self.base_url, project.id, self.vibe_user())})


class DiffHandler(VibeHandler):
    """`GET projects/{id}/diff?a=1&b=2`: a unified diff between two versions."""

    @web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        a, b = _version_argument(self, "a"), _version_argument(self, "b")
        text = await self.blocking(self.store().diff, ref, a, b)
        self.write_json({"a": a, "b": b, "diff": text})


class RevertHandler(VibeHandler):
    """`POST projects/{id}/revert {"to": N}`: a new version equal to version N."""

    @web.authenticated
    @authorized
    async def post(self, ref: str) -> None:
        body = fields(await self.json_body(), {"to": (int, REQUIRED)})
        version = await self.blocking(self.store().revert, ref, to=body["to"])
        self.write_json(version_json(version), status=201)


class AppZipHandler(VibeHandler):
    """`GET projects/{id}/app.zip[?version=N]`: the app's files as a zip download."""

    @web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        import tempfile
        from pathlib import Path

        from ..store.versions import write_zip

        store = self.store()
        project = await self.blocking(store.get_project, ref)
        files = await self.blocking(store.version_files, project.id, _version_argument(self, "version", None))
        with tempfile.TemporaryDirectory() as tmp:
            data = (await self.blocking(write_zip, files, Path(tmp) / "app.zip")).read_bytes()
        self.set_header("Content-Disposition", _attachment(f"{project.name}.zip"))
        self.finish(data, set_content_type="application/zip")


ROUTES: list[tuple[str, type[VibeHandler]]] = [
    (f"projects/{REF}/versions", VersionsHandler),
    (f"projects/{REF}/diff", DiffHandler),
    (f"projects/{REF}/revert", RevertHandler),
    (f"projects/{REF}/app.zip", AppZipHandler),
]
