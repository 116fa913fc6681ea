"""Credential routes (which providers have a key and from where; store or forget a key)
and the usage stats. A key's value is only ever read from a request body, never written out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import VibeHandler
from .body import REQUIRED, fields

if TYPE_CHECKING:
    from ..config import Settings

LOCAL_SERVER_HINT = ("No key is needed for a local OpenAI-compatible server (Ollama, LM Studio, vLLM): "
                     "start Jupyter with OPENAI_BASE_URL=http://localhost:11434/v1 and pick a model such as "
                     "openai:llama3.1.")


def provider_status(settings: Settings) -> list[dict[str, Any]]:
    """One row per configured provider: its endpoint, whether a key is needed and found, and where."""
    from ..keys import env_var, find_key, public_url
    from ..providers import WIRE_PROVIDERS, get_provider

    rows = []
    for name in sorted(settings.providers):
        key = find_key(name)
        wire = settings.wire(name)
        required = getattr(get_provider(name, settings=settings), "key_required", True) \
            if wire in WIRE_PROVIDERS else True
        rows.append({"name": name, "wire": wire, "base_url": public_url(settings.providers[name].base_url),
                     "key_required": required, "has_key": key is not None,
                     "source": key.source if key is not None else None, "env_var": env_var(name)})
    return rows


def _check_provider(settings: Settings, provider: str) -> str:
    from ..errors import InputError

    if provider not in settings.providers:
        raise InputError(f"Unknown provider {provider!r}.",
                         hint=f"Known providers: {', '.join(sorted(settings.providers))}.")
    return provider


class AuthStatusHandler(VibeHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        settings = self.vibe_settings()
        rows = await self.blocking(provider_status, settings)
        self.write_json({"providers": rows, "any_key": any(r["has_key"] for r in rows),
                         "default_model": settings.default_model, "hint": LOCAL_SERVER_HINT})


class AuthKeyHandler(VibeHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Store `{"provider", "key"}` in the OS keychain; 400 with the reason if there is none."""
        from ..keys import store_key

        body = fields(await self.json_body(), {"provider": (str, "anthropic"), "key": (str, REQUIRED)})
        provider = _check_provider(self.vibe_settings(), body["provider"])
        backend = await self.blocking(store_key, provider, body["key"])
        self.write_json({"provider": provider, "stored": True, "backend": backend}, status=201)

    @web.authenticated
    @authorized
    async def delete(self) -> None:
        """Forget a provider's keychain entry (`?provider=` or `{"provider"}`)."""
        from ..keys import delete_key

        body = fields(await self.json_body(), {"provider": (str, None)})
        # Only an absent provider means the default: `?provider=` (or tornado's stripping of a
        # control character to "") is a wrong name, never a licence to forget the anthropic key.
        provider = self.get_query_argument("provider", None)
        provider = _check_provider(self.vibe_settings(), provider if provider is not None
                                   else body["provider"] if body["provider"] is not None else "anthropic")
        deleted = await self.blocking(delete_key, provider)
        self.write_json({"provider": provider, "deleted": deleted})


class StatsHandler(VibeHandler):
    """`GET stats?by=agent,model&project=NAME`: runs, errors, tokens, cost, TTFT per group."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        from ..store import stats_rows

        by = tuple(k.strip() for k in self.get_query_argument("by", "agent,model").split(",") if k.strip())
        project = self.get_query_argument("project", None) or None
        rows = await self.blocking(stats_rows, self.store(), by=by, project=project)
        self.write_json({"by": list(by), "rows": rows})


class BudgetHandler(VibeHandler):
    """`GET budget`: each configured limit with its spend, and the spend per project (the sidebar's gauge)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        from ..budget import budget_report

        self.write_json(await self.blocking(budget_report, self.vibe_settings(), self.store()))


ROUTES: list[tuple[str, type[VibeHandler]]] = [
    ("auth/status", AuthStatusHandler),
    ("auth/key", AuthKeyHandler),
    ("stats", StatsHandler),
    ("budget", BudgetHandler),
]
