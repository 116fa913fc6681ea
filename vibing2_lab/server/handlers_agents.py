"""Agent routes: list, search, one agent (with its system prompt), auto-pick for a prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import VibeHandler
from .body import REQUIRED, fields

if TYPE_CHECKING:
    from ..agents import AgentRegistry

MAX_SEARCH_RESULTS = 50


def _registry() -> AgentRegistry:
    from ..agents import default_registry

    return default_registry()


class AgentsHandler(VibeHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        registry = await self.blocking(_registry)
        self.write_json({"agents": [agent.summary() for agent in registry.all()], "warnings": registry.warnings})


class AgentSearchHandler(VibeHandler):
    """`GET agents/search?q=...&limit=N`: ranked matches with their scores."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        query = self.get_query_argument("q", "")
        limit = self.query_int("limit", 10, low=1, high=MAX_SEARCH_RESULTS, what="a result count",
                               example="q=react&limit=10")
        registry = await self.blocking(_registry)
        max_bytes = self.vibe_settings().max_prompt_bytes
        # Ranking is CPU work: off the event loop, so one hostile query cannot stall the server.
        hits = await self.blocking(registry.search, query, limit=limit, max_bytes=max_bytes) if query.strip() else []
        self.write_json({"query": query,
                         "agents": [{**agent.summary(), "score": round(score, 3)} for agent, score in hits]})


class AgentPickHandler(VibeHandler):
    """`POST agents/pick {"prompt", "context"?}`: the agent auto-selection would use, and why."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        from ..errors import InputError

        body = fields(await self.json_body(), {"prompt": (str, REQUIRED), "context": (str, "")})
        if not body["prompt"].strip():
            raise InputError("The prompt is empty.", hint="Send the prompt an agent should be picked for.")
        registry = await self.blocking(_registry)
        pick = await self.blocking(registry.pick, body["prompt"], context=body["context"],
                                   max_bytes=self.vibe_settings().max_prompt_bytes)
        self.write_json(pick.to_dict())


class AgentHandler(VibeHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        registry = await self.blocking(_registry)
        agent = registry.get(name)
        self.write_json({**agent.summary(), "system_prompt": agent.system_prompt})


# Order matters: "search" and "pick" must win over the agent-name pattern.
ROUTES: list[tuple[str, type[VibeHandler]]] = [
    ("agents", AgentsHandler),
    ("agents/search", AgentSearchHandler),
    ("agents/pick", AgentPickHandler),
    ("agents/(?P<name>[^/]+)", AgentHandler),
]
