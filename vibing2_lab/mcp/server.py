"""`vibing2-lab mcp`: vibing2-lab as an MCP server, a thin adapter over the same core as the CLI.

    tools      ask {prompt, agent?, agents?, project?, model?}   (a Session: stored, recorded;
               tokens reported as MCP progress notifications), list_agents, search_agents {query},
               pick_agent {prompt}, list_projects, get_project {name}
    prompts    one per agent: its system prompt, then the task (argument `task`)
    resources  vibe://agents/{name}                      an agent's Markdown file
               vibe://projects/{project}/files/{+path}   a project's generated file

Claude Code, Cursor or Jupyter AI delegate to our agents through it. Nothing is printed on
stdout: over stdio that stream belongs to JSON-RPC.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.mcpserver.prompts.base import Message, Prompt, UserMessage
from mcp.shared.uri_template import UriTemplate
from mcp.types import CallToolResult, Resource, TextContent
from pydantic import Field

from .. import __version__
from ..errors import VibeError

AGENT_URI = "vibe://agents/{name}"
FILE_URI = "vibe://projects/{project}/files/{+path}"
PROGRESS_EVERY = 0.05  # seconds: at most ~20 progress notifications a second per ask

INSTRUCTIONS = (
    "vibing2-lab's specialist agents (SQL, data analysis, visualisation, ML, full-stack, ...). "
    "Call `pick_agent` or `search_agents` to find one, then `ask` it; pass `project` to continue "
    "a stored conversation whose generated files are resources."
)


class VibeServer(MCPServer):
    """MCPServer whose resource list is read from the store and the agent folders on every request,
    so files generated after start-up are listed too."""

    def __init__(self, *, project_dir: Path | None = None) -> None:
        super().__init__("vibing2-lab", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
        self.project_dir = project_dir

    async def list_resources(self) -> list[Resource]:
        listed = await super().list_resources()
        return listed + await anyio.to_thread.run_sync(self._dynamic_resources)

    def _dynamic_resources(self) -> list[Resource]:
        from ..store import Store

        agents = UriTemplate.parse(AGENT_URI)
        files = UriTemplate.parse(FILE_URI)
        found = [Resource(uri=agents.expand({"name": a.name}), name=a.name, mime_type="text/markdown",
                          description=f"agent file: {a.description}"[:300])
                 for a in _registry(self).all()]
        store = Store.open()
        for summary in store.list_projects():
            for file in store.get_project(summary.id).files:
                found.append(Resource(uri=files.expand({"project": summary.name, "path": file.path}),
                                      name=f"{summary.name}/{file.path}", mime_type=_mime(file.path),
                                      description=f"generated file of project {summary.name!r}"))
        return found


def build_server(*, project_dir: Path | None = None) -> VibeServer:
    """The server with its tools, one prompt per agent, and the resource templates."""
    server = VibeServer(project_dir=project_dir)
    for tool in (ask, list_agents, search_agents, pick_agent, list_projects, get_project):
        server.add_tool(tool, description=(tool.__doc__ or "").strip())
    for agent in _registry(server).all():
        server.add_prompt(Prompt.from_function(_prompt_for(agent.name, server), name=agent.name,
                                               description=agent.description or agent.name))
    server.resource(AGENT_URI, name="agent", mime_type="text/markdown",
                    description="An agent's Markdown file (frontmatter + system prompt)")(_agent_file(server))
    server.resource(FILE_URI, name="project-file", description="A file an agent generated in a project")(_project_file)
    return server


def serve(*, http_port: int | None = None, project_dir: Path | None = None, token: str | None = None) -> None:
    """Run until the client leaves: stdio, or streamable HTTP on 127.0.0.1:`http_port` at /mcp
    (only for requests carrying `Authorization: Bearer <token>` when a token is given)."""
    server = build_server(project_dir=project_dir)
    if http_port is None:
        server.run("stdio")
        return
    import uvicorn

    app = server.streamable_http_app(host="127.0.0.1")  # with the SDK's DNS-rebinding protection
    if token:
        app = BearerOnly(app, token)
    uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=http_port, log_level="warning")).run()


class BearerOnly:
    """ASGI wrapper: HTTP requests without the right bearer token get 401 (lifespan passes through)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app, self.expected = app, f"Bearer {token}".encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        import hmac

        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = b'{"error": "missing or wrong bearer token (VIBING2_LAB_MCP_TOKEN)"}'
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"application/json"), (b"www-authenticate", b'Bearer realm="vibing2-lab"')]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


# -- tools ---------------------------------------------------------------------------------------

async def ask(prompt: Annotated[str, Field(description="what to ask")],
              ctx: Context,
              agent: Annotated[str | None, Field(description="one agent's name (see list_agents)")] = None,
              agents: Annotated[list[str] | None, Field(description="several agents, asked in parallel")] = None,
              project: Annotated[str | None, Field(description="continue (or start) this stored project")] = None,
              model: Annotated[str | None, Field(description="provider:model or alias, e.g. sonnet")] = None,
              ) -> CallToolResult:
    """Ask one or several vibing2-lab agents (or the plain model). The answer is stored in the
    project (when given) and streamed as progress notifications; the result is the final text.
    An agent's tools that need consent ask you through elicitation (denied if the client cannot)."""
    from ..session import Ask, Session

    from .consent import ElicitConsent

    request = Ask(prompt, project=project, agent=agent, agents=agents or (), model=model,
                  project_dir=ctx.mcp_server.project_dir)
    consent = ElicitConsent(ctx, asyncio.get_running_loop())  # an agent's tools ask the client's user
    session = await anyio.to_thread.run_sync(_open_session, Session, request, consent)
    await _stream(session, ctx)
    try:
        session.raise_for_error()
    except VibeError as exc:
        raise ToolError(str(exc)) from None
    answers = [{"agent": c.agent.name if c.agent else None, "model": f"{c.provider_name}:{c.model}",
                "status": c.status, "text": c.text} for c in session.calls]
    return CallToolResult(content=[TextContent(type="text", text=a["text"]) for a in answers],
                          structured_content={"project": project, "answers": answers})


def _open_session(session_type: Any, request: Any, consent: Any) -> Any:
    try:
        return session_type(request, consent=consent)
    except VibeError as exc:  # bad agent, model, prompt or project name: a tool error saying how to fix it
        raise ToolError(str(exc)) from None


async def _stream(session: Any, ctx: Context) -> None:
    """Consume the answer, reporting new text as progress (a client without a progress token gets none)."""
    tokens, pending, last = 0, [], time.monotonic()
    async for event in session.astream():
        if event.type != "token":
            continue
        tokens += 1
        pending.append(event.text)
        if time.monotonic() - last >= PROGRESS_EVERY:
            await ctx.report_progress(tokens, message="".join(pending))
            pending, last = [], time.monotonic()
    if pending:
        await ctx.report_progress(tokens, message="".join(pending))


def list_agents(ctx: Context) -> dict[str, Any]:
    """Every installed agent: name, description, category, capabilities, tools, tier, model."""
    return {"agents": [a.summary() for a in _registry(ctx.mcp_server).all()]}


def search_agents(query: Annotated[str, Field(description="words describing the task")],
                  ctx: Context) -> dict[str, Any]:
    """Agents ranked by relevance to a query, best first, with their scores."""
    hits = _registry(ctx.mcp_server).search(query)
    return {"agents": [{**a.summary(), "score": round(score, 3)} for a, score in hits]}


def pick_agent(prompt: Annotated[str, Field(description="the task to find an agent for")],
               ctx: Context) -> dict[str, Any]:
    """The agent auto-selection would choose for a prompt, with its score and reasons."""
    return _guarded(lambda: _registry(ctx.mcp_server).pick(prompt).to_dict())


def list_projects() -> dict[str, Any]:
    """Stored projects, most recently active first, with message and file counts."""
    from ..server.serialize import summary_json
    from ..store import Store

    return {"projects": [summary_json(row) for row in Store.open().list_projects()]}


def get_project(name: Annotated[str, Field(description="a project's name or id")]) -> dict[str, Any]:
    """A project's current conversation and its generated files."""
    from ..server.serialize import project_json
    from ..store import Store

    def read() -> dict[str, Any]:
        store = Store.open()
        project = store.get_project(name)
        return project_json(project, store.runs(project_id=project.id))

    return _guarded(read)


def _guarded(work: Any) -> Any:
    try:
        return work()
    except VibeError as exc:
        raise ToolError(str(exc)) from None


# -- prompts and resources -------------------------------------------------------------------------

def _prompt_for(name: str, server: VibeServer) -> Any:
    def render(task: Annotated[str, Field(description="the task for this agent")]) -> list[Message]:
        agent = _registry(server).get(name)
        return [UserMessage(f"{agent.system_prompt.strip()}\n\n---\n\n{task}")]

    render.__name__ = name
    return render


def _agent_file(server: VibeServer) -> Any:
    def agent_file(name: str) -> str:
        try:
            agent = _registry(server).get(name)
        except VibeError as exc:
            raise ResourceError(str(exc)) from None
        return agent.path.read_text(encoding="utf-8", errors="replace")

    return agent_file


def _project_file(project: str, path: str) -> str:
    from ..store import Store

    try:
        files = Store.open().get_project(project).file_map()
    except VibeError as exc:
        raise ResourceError(str(exc)) from None
    if path not in files:
        raise ResourceError(f"Project {project!r} has no file {path!r}.")
    return files[path]


def _registry(server: Any) -> Any:
    from ..agents import default_registry

    return default_registry(project_dir=getattr(server, "project_dir", None))


def _mime(path: str) -> str:
    import mimetypes

    return mimetypes.guess_type(path)[0] or "text/plain"
