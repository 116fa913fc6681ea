"""Budgets: spending limits checked before every model request is sent.

    per_call_usd      the worst case of one model request
    per_project_usd   what the project's runs have cost, plus this request
    daily_usd         today (UTC), every project and one-off asks alike
    monthly_usd       this calendar month (UTC)
    --max-cost USD    one ask: all its agents and all steps of their tool loops

Limits come from config.yaml `budgets:`; `--max-cost` (`Ask.max_cost`) adds one for an ask.
Spend is what the store's runs recorded (their `cost_usd`) plus what the running ask has
spent and not stored yet (steps of a tool loop, agents of a fan-out still streaming).

The worst case of a request is its input, estimated as one token per three characters of
what is sent (system prompt, messages, tool definitions; an over-estimate for English), at
the input price, plus `max_tokens` at the output price. When that would cross a limit,
`max_tokens` is lowered to fit; when not even MIN_OUTPUT_TOKENS fit, the request is refused
with a BudgetError and nothing is sent. A model without a price cannot be checked: under a
budget it is refused unless config.yaml `prices:` prices it.

`guard(provider, ledger)` wraps a provider so that every request through it (each step of a
tool loop included) passes `Ledger.admit` first; a refusal ends that stream with an
ErrorEvent of kind "budget", so the answer so far is kept like any other failure.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator

from .errors import BudgetError
from .events import ErrorEvent

if TYPE_CHECKING:
    from .config import Settings
    from .events import StreamEvent
    from .providers import Cancel, ModelRequest, Provider
    from .store import Store

MIN_OUTPUT_TOKENS = 16  # below this an answer is not worth sending for
CHARS_PER_TOKEN = 3
LIMITS = ("per_call_usd", "per_project_usd", "daily_usd", "monthly_usd")
_HOW_TO_RAISE = {
    "per_call_usd": "raise budgets.per_call_usd in config.yaml, or lower max_tokens",
    "per_project_usd": "raise budgets.per_project_usd in config.yaml, or start a new project",
    "daily_usd": "raise budgets.daily_usd in config.yaml, or wait until tomorrow (UTC)",
    "monthly_usd": "raise budgets.monthly_usd in config.yaml, or wait until next month (UTC)",
    "max_cost": "raise --max-cost for this ask",
}


@dataclass
class Spend:
    """Recorded spend against each limit (USD)."""

    today: float = 0.0
    month: float = 0.0
    project: float = 0.0


def spend_from_store(store: Store | None, project_id: int | None, *, now: datetime | None = None) -> Spend:
    """Today's, this month's and the project's recorded spend."""
    if store is None:
        return Spend()
    now = now or datetime.now(timezone.utc)
    day = now.strftime("%Y-%m-%dT00:00:00")
    month = now.strftime("%Y-%m-01T00:00:00")
    return Spend(today=store.spend(since=day), month=store.spend(since=month),
                 project=store.spend(project_id=project_id) if project_id is not None else 0.0)


def has_limits(settings: Settings, max_cost: float | None) -> bool:
    return max_cost is not None or any(getattr(settings.budgets, name) is not None for name in LIMITS)


@dataclass
class Ledger:
    """One ask's view of the budgets: the limits, what is recorded, what this ask has spent."""

    settings: Settings
    store: Store | None = None
    project_id: int | None = None
    max_cost: float | None = None
    spent: float = 0.0  # by this ask so far (not yet in the store's runs)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def admit(self, request: ModelRequest) -> ModelRequest:
        """The request, its max_tokens lowered to fit every limit; BudgetError when nothing fits."""
        price = self._price(request.model)
        input_cost = estimate_input_tokens(request) * price["input"] / 1e6
        per_output = price["output"] / 1e6
        with self._lock:
            headroom = self._headroom()
        room_tokens = request.max_tokens
        for name, (limit, spent) in headroom.items():
            left = limit - spent - input_cost
            # min() first: a huge limit (max_cost 1e308) over a tiny price overflows to inf, which floor() refuses.
            fits = math.floor(min(left / per_output, request.max_tokens)) if per_output > 0 \
                else (request.max_tokens if left >= 0 else -1)
            if fits < MIN_OUTPUT_TOKENS:
                worst = input_cost + request.max_tokens * per_output
                raise BudgetError(
                    f"Budget {name} = ${limit:.6g} would be crossed: ${spent:.6g} spent, this request to "
                    f"{request.model} may cost up to ${worst:.6g}.",
                    hint=f"Nothing was sent. To go on, {_HOW_TO_RAISE[name]}.")
            room_tokens = min(room_tokens, fits)
        return request if room_tokens >= request.max_tokens else replace(request, max_tokens=room_tokens)

    def record(self, model: str, event: StreamEvent) -> None:
        """Count what a finished request cost (its final event's usage)."""
        usage = getattr(event, "usage", None)
        if usage is None:
            return
        cost = self.settings.cost(model, usage.input_tokens, usage.output_tokens) or 0.0
        with self._lock:
            self.spent += cost

    def _price(self, model: str) -> dict[str, float]:
        price = self.settings.prices.get(model.split(":", 1)[-1])
        if not price or "input" not in price or "output" not in price:
            raise BudgetError(f"Model {model} has no price, so a budget cannot be checked for it.",
                              hint=f"Nothing was sent. Price it in config.yaml: "
                                   f"prices: {{{model}: {{input: USD_PER_MTOK, output: USD_PER_MTOK}}}}.")
        return price

    def _headroom(self) -> dict[str, tuple[float, float]]:
        """limit name -> (limit, spent so far) for every limit that applies."""
        b = self.settings.budgets
        recorded = spend_from_store(self.store, self.project_id) if (
            b.daily_usd is not None or b.monthly_usd is not None or b.per_project_usd is not None) else Spend()
        rows: dict[str, tuple[float, float]] = {}
        if b.per_call_usd is not None:
            rows["per_call_usd"] = (b.per_call_usd, 0.0)
        if b.per_project_usd is not None and self.project_id is not None:
            rows["per_project_usd"] = (b.per_project_usd, recorded.project + self.spent)
        if b.daily_usd is not None:
            rows["daily_usd"] = (b.daily_usd, recorded.today + self.spent)
        if b.monthly_usd is not None:
            rows["monthly_usd"] = (b.monthly_usd, recorded.month + self.spent)
        if self.max_cost is not None:
            rows["max_cost"] = (self.max_cost, self.spent)
        return rows


def estimate_input_tokens(request: ModelRequest) -> int:
    """An over-estimate of the input tokens: one per CHARS_PER_TOKEN characters sent."""
    sent = json.dumps([request.system or "", request.messages, getattr(request, "tools", None) or []],
                      ensure_ascii=False, default=str)
    return math.ceil(len(sent) / CHARS_PER_TOKEN)


class BudgetedProvider:
    """A provider whose every request passes the ledger first (see the module docstring)."""

    def __init__(self, provider: Provider, ledger: Ledger) -> None:
        self._provider = provider
        self._ledger = ledger
        self.name = provider.name

    def __getattr__(self, name: str) -> Any:  # settings, conf, adopt_history, ...: the wrapped provider's
        return getattr(self._provider, name)

    def stream(self, request: ModelRequest, *, cancel: Cancel | None = None) -> Iterator[StreamEvent]:
        admitted = self._admit(request)
        if isinstance(admitted, ErrorEvent):
            yield admitted  # refused: nothing is sent
            return
        for event in self._provider.stream(admitted, cancel=cancel):
            if event.type in ("complete", "error"):
                self._ledger.record(request.model, event)
            yield event

    async def astream(self, request: ModelRequest, *, cancel: Cancel | None = None) -> AsyncIterator[StreamEvent]:
        admitted = self._admit(request)
        if isinstance(admitted, ErrorEvent):
            yield admitted
            return
        async for event in self._provider.astream(admitted, cancel=cancel):
            if event.type in ("complete", "error"):
                self._ledger.record(request.model, event)
            yield event

    def _admit(self, request: ModelRequest) -> ModelRequest | ErrorEvent:
        try:
            return self._ledger.admit(request)
        except BudgetError as exc:
            return ErrorEvent(kind=exc.kind, message=str(exc.args[0]), hint=exc.hint, status="error",
                              provider=self.name, model=request.model)


def guard(provider: Provider, ledger: Ledger | None) -> Provider:
    """`provider` checked against `ledger` before each request (itself when there are no limits)."""
    if ledger is None:
        return provider
    return BudgetedProvider(provider, ledger)  # type: ignore[return-value]


def budget_report(settings: Settings, store: Store | None) -> dict[str, Any]:
    """Each configured limit with its spend, and the spend per project (for `vibing2-lab budget`)."""
    spend = spend_from_store(store, None)
    b = settings.budgets
    limits = {"per_call_usd": {"limit": b.per_call_usd, "spent": None},
              "daily_usd": {"limit": b.daily_usd, "spent": round(spend.today, 6)},
              "monthly_usd": {"limit": b.monthly_usd, "spent": round(spend.month, 6)},
              "per_project_usd": {"limit": b.per_project_usd, "spent": None}}
    projects = []
    if store is not None:
        for project in store.list_projects():
            spent = store.spend(project_id=project.id)
            projects.append({"project": project.name, "spent": round(spent, 6), "limit": b.per_project_usd,
                             "left": None if b.per_project_usd is None else round(b.per_project_usd - spent, 6)})
    for row in limits.values():
        row["left"] = (None if row["limit"] is None or row["spent"] is None
                       else round(row["limit"] - row["spent"], 6))
    return {"limits": limits, "projects": projects, "unpriced_runs": store.unpriced_runs() if store else 0}
