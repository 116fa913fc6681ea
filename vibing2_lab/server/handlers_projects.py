"""Project routes: list, create, read, rename, delete, fork, files, preview, notebook export.

Every store call runs off the event loop (`self.blocking`): a fork or a PUT of a project with
50,000 files held the loop for up to a second, and every other request of the server with it."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import ApiError, VibeHandler
from .body import REQUIRED, fields, text_list
from .serialize import file_json, project_json, summary_json

REF = r"(?P<ref>[^/]+)"  # a project's id or its (URL-encoded) name


class ProjectsHandler(VibeHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        rows = await self.blocking(self.store().list_projects)
        self.write_json({"projects": [summary_json(row) for row in rows]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = fields(await self.json_body(), {"name": ((str, type(None)), REQUIRED), "type": (str, "notebook"),
                                         "agents": (list, [])})
        store = self.store()
        kw = {"type": body["type"], "agents": text_list("agents", body["agents"])}
        # "name": null: "untitled", named by its first prompt (store/naming.py).
        create = partial(store.create_project, body["name"]) if body["name"] is not None else store.create_untitled
        project = await self.blocking(create, **kw)
        self.write_json(project_json(await self.blocking(store.get_project, project.id)), status=201)


class ProjectHandler(VibeHandler):
    @web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        self.write_json(await self.blocking(_project_with_runs, self.store(), ref))

    @web.authenticated
    @authorized
    async def patch(self, ref: str) -> None:
        body = fields(await self.json_body(), {"name": (str, REQUIRED)})
        store = self.store()
        project = await self.blocking(store.rename_project, ref, body["name"])
        self.write_json(await self.blocking(_project_with_runs, store, project.id))

    @web.authenticated
    @authorized
    async def delete(self, ref: str) -> None:
        await self.blocking(self.store().delete_project, ref)
        self.set_status(204)
        self.finish()


class ProjectVisibilityHandler(VibeHandler):
    """PUT {"visibility": "shared"|"private"}: share a project with every user of the store (owner only)."""

    @web.authenticated
    @authorized
    async def put(self, ref: str) -> None:
        body = fields(await self.json_body(), {"visibility": (str, REQUIRED)})
        store = self.store()
        project = await self.blocking(store.set_visibility, ref, body["visibility"])
        self.write_json(await self.blocking(_project_with_runs, store, project.id))


class ProjectForkHandler(VibeHandler):
    @web.authenticated
    @authorized
    async def post(self, ref: str) -> None:
        body = fields(await self.json_body(), {"name": (str, REQUIRED), "at_version": ((int, type(None)), None)})
        store = self.store()
        project = await self.blocking(store.fork_project, ref, body["name"], at_version=body["at_version"])
        self.write_json(await self.blocking(_project_with_runs, store, project.id), status=201)


class ConversationHandler(VibeHandler):
    """`POST projects/{id}/conversations`: start a fresh conversation (older ones are kept)."""

    @web.authenticated
    @authorized
    async def post(self, ref: str) -> None:
        fields(await self.json_body(), {})
        store = self.store()
        project = await self.blocking(store.get_project, ref)
        number = await self.blocking(store.new_conversation, project.id)
        self.write_json({"project": project.id, "conversation": number}, status=201)


class ProjectFilesHandler(VibeHandler):
    @web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        project = await self.blocking(self.store().get_project, ref)
        self.write_json({"files": [file_json(f) for f in project.files]})

    @web.authenticated
    @authorized
    async def put(self, ref: str) -> None:
        """Upsert files by path (`{"files": {"index.html": "..."}}`); other files are kept."""
        from ..errors import InputError

        body = fields(await self.json_body(), {"files": (dict, REQUIRED)})
        files: dict[str, Any] = body["files"]
        bad = [path for path, content in files.items() if not isinstance(content, str)]
        if bad:
            raise InputError(f"The content of {', '.join(map(repr, bad[:3]))} is not text.",
                             hint='Send "files" as {"path": "text content", ...}.')
        store = self.store()
        project = await self.blocking(store.get_project, ref)
        stored = await self.blocking(store.update_files, project.id, files)
        self.write_json({"files": [file_json(f, content=False) for f in stored]})

    @web.authenticated
    @authorized
    async def delete(self, ref: str) -> None:
        """Delete the files named by `?path=` (repeatable), all or none; answers what is left."""
        from ..errors import InputError

        paths = self.get_query_arguments("path")
        if not paths:
            raise InputError("Name the files to delete with ?path=...", hint="e.g. DELETE .../files?path=index.html")
        store = self.store()
        await self.blocking(store.delete_files, ref, paths)
        project = await self.blocking(store.get_project, ref)
        self.write_json({"files": [file_json(f, content=False) for f in project.files]})


class ProjectPreviewHandler(VibeHandler):
    """The project's HTML page with its local CSS/JS inlined, finished by the preview policy, as
    JSON (never served as a page: it must only ever run inside a sandboxed iframe's srcdoc).
    The sidebar runs the app from the app route; this one serves documents for a srcdoc."""

    @web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        from ..store import inline_preview
        from ..store.preview import entry_page

        entry = self.get_query_argument("entry", None) or None
        project = await self.blocking(self.store().get_project, ref)
        html = await self.blocking(inline_preview, project.file_map(), entry=entry)
        if html is None:
            what = f"no file {entry!r}" if entry else "no HTML file"
            raise ApiError(404, f"Project {project.name!r} has {what} to preview.", kind="no_preview",
                           hint="Ask for a web page (an ```html title=index.html block) first.")
        policy = self.vibe_settings().preview_policy()
        self.write_json({"project": project.id, "entry": entry or entry_page(project.file_map()),
                         "html": policy.document(html)})


class ProjectExportHandler(VibeHandler):
    """`GET projects/{id}/export.ipynb`: the project as an nbformat v4 notebook (JSON)."""

    @web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        from ..notebook.export import export_notebook

        store = self.store()
        project = await self.blocking(store.get_project, ref)
        notebook = await self.blocking(export_notebook, store, project.id)
        self.set_header("Content-Disposition", _attachment(project.name + ".ipynb"))
        self.finish(json.dumps(notebook, ensure_ascii=False), set_content_type="application/x-ipynb+json")


def _attachment(filename: str) -> str:
    """A Content-Disposition value for any name (headers are Latin-1: RFC 6266 filename*)."""
    from urllib.parse import quote

    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\/' else "_" for c in filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _project_with_runs(store: Any, ref: str | int) -> dict[str, Any]:
    project = store.get_project(ref)
    return project_json(project, store.runs(project_id=project.id))


ROUTES: list[tuple[str, type[VibeHandler]]] = [
    ("projects", ProjectsHandler),
    (f"projects/{REF}", ProjectHandler),
    (f"projects/{REF}/fork", ProjectForkHandler),
    (f"projects/{REF}/visibility", ProjectVisibilityHandler),
    (f"projects/{REF}/conversations", ConversationHandler),
    (f"projects/{REF}/files", ProjectFilesHandler),
    (f"projects/{REF}/preview", ProjectPreviewHandler),
    (f"projects/{REF}/export.ipynb", ProjectExportHandler),
]
