"""Where the sidebar's agents act: the server's root dir, the open notebook's kernel, and its
live document (the server tool context of a stream).

    tools = stream_tools(handler, data, live)       # from the POST stream body
    Session(..., tool_context=tools.ctx, consent=tools.consent, toolbox_factory=tools.toolbox)

- Read/Write/Edit/Glob/Grep: the core's tools with `cwd` = the contents manager's root_dir
  and its allow_hidden (nothing outside the root; dot-names refused when the server hides them).
- Python/Variables: the kernel the sidebar names (kernel_tools.py), never one of our own.
- NotebookRead/NotebookEdit: the live document, through the sidebar (tool_channel.LiveNotebook).
- Bash: the core's, in the root dir (asks, as everywhere).
Every tool is wrapped so that none runs for a stream that has stopped or whose client left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ToolError
from ..tools.base import Tool, ToolContext
from ..tools.registry import Toolbox
from .base import ApiError
from .tool_channel import Channel, LiveNotebook, SidebarConsent

if TYPE_CHECKING:
    from ..config import Settings
    from .base import VibeHandler

MAX_PATH_CHARS = 4_096


class _Live(Tool):
    """A tool that refuses to start once its stream is stopped (Stop, client gone, shutdown)."""

    def __init__(self, tool: Tool) -> None:
        self.tool = tool
        self.name, self.description = tool.name, tool.description  # type: ignore[misc]
        self.input_schema, self.default_policy = tool.input_schema, tool.default_policy  # type: ignore[misc]

    def describe(self, input: dict[str, Any], ctx: ToolContext) -> str:
        return self.tool.describe(input, ctx)

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        if ctx.cancelled:
            raise ToolError(f"{self.name} did not run: the stream was stopped or its client left.")
        return self.tool.run(input, ctx)


class ServerToolbox(Toolbox):
    """The default toolbox with the kernel-backed Python/Variables; every tool guarded by _Live."""

    def select(self, names: Any) -> tuple[list[Tool], list[str]]:
        tools, unknown = super().select(names)
        return [tool if isinstance(tool, _Live) else _Live(tool) for tool in tools], unknown


def server_toolbox(settings: Settings) -> Toolbox:
    from ..tools import default_toolbox
    from .kernel_tools import TOOLS

    box = default_toolbox(settings)
    toolbox = ServerToolbox([box.get(name) for name in box.names], box._providers)  # type: ignore[misc]
    for cls in TOOLS:
        toolbox.register(cls())
    return toolbox


@dataclass
class NotebookRef:
    """What the sidebar says about the notebook the user has open (body field `notebook`)."""

    path: str
    kernel_id: str | None

    @classmethod
    def from_body(cls, value: Any) -> NotebookRef | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ApiError(400, "'notebook' must be an object {path, kernel_id}.", kind="bad_request",
                           hint='Send {"path": "analysis.ipynb", "kernel_id": "..."} or leave it out.')
        path, kernel_id = value.get("path"), value.get("kernel_id")
        if not isinstance(path, str) or not path or len(path) > MAX_PATH_CHARS or "\x00" in path:
            raise ApiError(400, "'notebook.path' must be the notebook's path under the server root.",
                           kind="bad_request", hint="Send the path JupyterLab shows for the open notebook.")
        if kernel_id is not None and (not isinstance(kernel_id, str) or len(kernel_id) > 200):
            raise ApiError(400, "'notebook.kernel_id' must be a kernel id string.", kind="bad_request",
                           hint="Send the id of the notebook's session kernel, or null.")
        return cls(path, kernel_id or None)


@dataclass
class StreamTools:
    ctx: ToolContext
    consent: SidebarConsent
    channel: Channel
    toolbox = staticmethod(server_toolbox)


def stream_tools(handler: VibeHandler, notebook: NotebookRef | None, *, send: Any) -> StreamTools:
    """The tool context, consent and channel of one sidebar stream."""
    import asyncio
    from pathlib import Path

    from .kernel_tools import NotebookKernel

    loop = asyncio.get_running_loop()
    channel = Channel(loop, send)
    contents = handler.settings["contents_manager"]
    extras: dict[str, Any] = {}
    if notebook is not None and notebook.kernel_id:
        extras["kernel"] = NotebookKernel(handler.settings["kernel_manager"], notebook.kernel_id, loop)
    ctx = ToolContext(Path(contents.root_dir), allow_hidden=bool(getattr(contents, "allow_hidden", False)),
                      notebook=LiveNotebook(channel, notebook.path) if notebook is not None else None,
                      extras=extras)
    return StreamTools(ctx, SidebarConsent(channel, handler.app.consent_timeout), channel)
