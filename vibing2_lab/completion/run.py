"""One inline completion: the request checked and planned, the model streamed, the answer trimmed.

    completer = Completer()                       # one per server: the cache and the counters
    plan = completer.plan(ask_from(body), settings)   # raises before anything is sent
    async for piece in completer.stream(plan, settings=settings, cancel=cancel):
        ...   # Piece(text) deltas of the continuation, then one Finished

Only text that trim.visible() is sure about is sent, so deltas never have to be taken back.
The upstream call ends as soon as the continuation is complete (max_lines reached, a
closing fence, trailing prose), when `cancel` stops, or when the consumer closes the stream.
"""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator, Mapping, Sequence

from ..errors import ConfigError, InputError
from .cache import CompletionCache, context_key
from .context import CompletionContext, context_from
from .prompt import chat_request, fill_request, uses_fill
from .trim import visible

if TYPE_CHECKING:
    from ..config import Settings
    from ..models import ModelRef
    from ..providers import Cancel, Provider

_FIELDS = {"prefix", "suffix", "language", "cells", "model", "max_lines"}
MAX_LINES_LIMIT = 100


@dataclass(frozen=True)
class CompletionAsk:
    """A completion request: the editor context and the per-request overrides."""

    context: CompletionContext
    model: str | None = None  # overrides completion.model (e.g. from the JupyterLab settings)
    max_lines: int | None = None


def ask_from(data: Mapping[str, Any]) -> CompletionAsk:
    """The CompletionAsk a JSON body describes; InputError naming the field otherwise."""
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise InputError(f"Unknown field {', '.join(map(repr, unknown))} in the completion request.",
                         hint=f"Accepted fields: {', '.join(sorted(_FIELDS))}.")
    model, max_lines = data.get("model"), data.get("max_lines")
    if model is not None and (not isinstance(model, str) or len(model) > 200):
        raise InputError("'model' must be a model id (provider:model) or null.", hint="e.g. anthropic:claude-haiku-4-5")
    if max_lines is not None and (isinstance(max_lines, bool) or not isinstance(max_lines, int)
                                  or not 1 <= max_lines <= MAX_LINES_LIMIT):
        raise InputError(f"'max_lines' must be a whole number from 1 to {MAX_LINES_LIMIT}, or null.",
                         hint="Leave it out to use completion.max_lines from config.yaml.")
    return CompletionAsk(context_from(data), (model or "").strip() or None, max_lines)


@dataclass(frozen=True)
class Plan:
    """What will be asked: the resolved model, the prompting, the budgeted context, the cache key."""

    model: ModelRef
    fill: bool
    max_lines: int
    context: CompletionContext  # budgeted
    prefix: str  # the prefix as sent (the cache compares whole prefixes)
    key: str


@dataclass
class Piece:
    """More of the continuation."""

    text: str


@dataclass
class Finished:
    """The end of a completion: the whole continuation, or why there is none."""

    text: str
    model: str
    status: str = "complete"  # "complete" | "cancelled" | "error"
    cached: bool = False
    kind: str | None = None
    message: str = ""
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass
class Counters:
    """What this server's completions did (GET complete, the benchmark)."""

    started: int = 0  # requests that reached the model
    cached: int = 0  # answered from the cache
    completed: int = 0
    cancelled: int = 0  # the client left or stop() was called before the answer ended
    errors: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(vars(self))


def _unavailable(settings: Settings) -> tuple[str, str] | None:
    """(reason, hint) when completions are off by configuration, else None."""
    if not settings.completion.enabled:
        return "Inline completion is turned off.", "Set completion.enabled: true in config.yaml."
    if settings.mode != "live":
        return "Inline completion needs a live model (replay mode is on).", "Unset VIBING2_LAB_MODE."
    return None


def _provider(plan: Plan, settings: Settings) -> Provider:
    if plan.fill:
        from ..providers.openai_fim import OpenAIFillProvider

        return OpenAIFillProvider(plan.model.provider, settings=settings)
    from ..providers import get_provider

    return get_provider(plan.model.provider, settings=settings)


@dataclass
class Completer:
    """The completions of one server: a cache of finished answers and counters."""

    cache: CompletionCache = field(default_factory=CompletionCache)
    counters: Counters = field(default_factory=Counters)

    def plan(self, ask: CompletionAsk, settings: Settings, *, allowed: Sequence[str] = ()) -> Plan:
        """Resolve model and prompting; ConfigError when completions are off or the model is unknown,
        InputError for a model outside `allowed` (the server's allowed_models; empty: any)."""
        from ..models import resolve_model
        from ..session.ask import check_allowed

        off = _unavailable(settings)
        if off:
            raise ConfigError(off[0], hint=off[1])
        model = resolve_model(ask.model or settings.completion.model, settings=settings, tier="fast")
        if allowed:
            check_allowed([str(model)], allowed, settings)
        fill = uses_fill(model, settings)
        max_lines = ask.max_lines or settings.completion.max_lines
        ctx = ask.context.budgeted()
        return Plan(model, fill, max_lines, ctx, ask.context.prefix,
                    context_key(ctx, model=str(model), fill=fill, max_lines=max_lines))

    def status(self, settings: Settings) -> dict[str, Any]:
        """Whether completions can run here, with what, and if not why (for the sidebar's status line)."""
        from ..keys import find_key, sources

        info: dict[str, Any] = {"enabled": settings.completion.enabled, "available": False,
                                "debounce_ms": settings.completion.debounce_ms,
                                "max_lines": settings.completion.max_lines, "model": None, "fill": False,
                                "reason": "", "hint": "", "counters": self.counters.to_dict()}
        try:
            plan = self.plan(CompletionAsk(CompletionContext("")), settings)
        except ConfigError as exc:
            return {**info, "reason": exc.message, "hint": exc.hint}
        info.update(model=str(plan.model), fill=plan.fill)
        if _provider(plan, settings).key_required and find_key(plan.model.provider) is None:
            return {**info, "reason": f"No API key for {plan.model.provider}.",
                    "hint": f"Set {sources(plan.model.provider)}, or enter one in the Vibe sidebar."}
        return {**info, "available": True}

    async def stream(self, plan: Plan, *, settings: Settings, cancel: Cancel) -> AsyncIterator[Piece | Finished]:
        """Deltas of the continuation, then one Finished (see the module docstring)."""
        model = str(plan.model)
        hit = self.cache.get(plan.key, plan.prefix)
        if hit is not None:
            self.counters.cached += 1
            if hit:
                yield Piece(hit)
            yield Finished(hit, model, cached=True)
            return
        self.counters.started += 1
        async for item in self._ask_model(plan, settings, cancel):
            if isinstance(item, Finished):
                if item.status == "complete":
                    self.counters.completed += 1
                    self.cache.put(plan.key, plan.prefix, item.text)
                elif item.status == "cancelled":
                    self.counters.cancelled += 1
                else:
                    self.counters.errors += 1
            yield item

    async def _ask_model(self, plan: Plan, settings: Settings, cancel: Cancel) -> AsyncIterator[Piece | Finished]:
        build = fill_request if plan.fill else chat_request
        request = build(plan.context, model=plan.model.model, max_lines=plan.max_lines, settings=settings)
        ctx = plan.context

        def shown(raw: list[str], final: bool) -> Any:
            return visible("".join(raw), prefix=ctx.prefix, suffix=ctx.suffix, language=ctx.language,
                           max_lines=plan.max_lines, final=final)

        raw: list[str] = []
        sent = ""
        ending: Any = None
        async with aclosing(_provider(plan, settings).astream(request, cancel=cancel)) as events:
            async for event in events:
                if event.type == "token":
                    raw.append(event.text)  # type: ignore[union-attr]
                    now = shown(raw, False)
                    if len(now.text) > len(sent) and now.text.startswith(sent):
                        yield Piece(now.text[len(sent):])
                        sent = now.text
                    if now.done:
                        break  # closing the provider's stream ends the upstream call
                elif event.type in ("complete", "error"):
                    ending = event
        if ending is not None and ending.type == "error":
            status = "cancelled" if ending.kind == "cancelled" else "error"
            yield Finished(sent, str(plan.model), status=status, kind=ending.kind, message=ending.message,
                           hint=ending.hint)
            return
        yield Finished(shown(raw, True).text, str(plan.model))
