"""What the user asked (`Ask`) and every rule about whether it makes sense.

Adapters (`%%vibe`, `vibing2-lab ask`, `POST stream`) only turn their syntax into an Ask;
the rules live here, so the same mistake gets the same InputError whichever way it came:

    Ask.check()          combinations: --auto with agents, --chain with fewer than two, agent and
                         agents together; max_tokens and temperature in range (a finite number)
    check_prompt()       empty, larger than max_prompt_bytes, not valid Unicode, or holding a NUL
                         the store cannot hold (StoreError, store/text.py)
    check_system()       the extra system text: the prompt's size limit, valid Unicode
    resolve_agents()     unknown agent (UnknownAgentError with close names), or the --auto pick
    plan_models()        each agent's model, and the server's allowed_models patterns

`Session` runs them all in its constructor, before anything is sent or stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..errors import ConfigError, InputError
from ..limits import check_max_tokens, check_model_name, check_temperature

if TYPE_CHECKING:
    from ..agents import Agent, AgentRegistry, Pick
    from ..config import Settings
    from ..models import ModelRef

_PATTERN_CHARS = "*?["  # an allowed_models entry with these is a glob, else a model id or alias


@dataclass
class Ask:
    """What the user asked for, as every adapter parses it."""

    prompt: str
    project: str | None = None  # None: a one-off call, nothing stored
    agent: str | None = None
    agents: Sequence[str] | str = ()  # names, or "a, b" as typed after --agents
    auto: bool = False
    auto_rank: str | None = None  # with auto: "local" | "model" (re-rank by the fast model); None: settings.auto
    chain: bool = False
    model: str | None = None  # provider:model or alias; overrides the agents' own
    context: str = ""  # recent notebook cells, for --auto
    store: bool = True
    cell_id: str | None = None
    replay: str | None = None  # "strict" | "fallback" | "off"; None: from settings.mode
    project_dir: Path | None = None  # where `.vibe/agents/` is looked up
    max_tokens: int | None = None
    temperature: float | None = None
    system: str | None = None  # extra instructions, after the agent's own system prompt
    format: str = "markdown"  # how adapters render the answer: markdown | code | html | text
    max_cost: float | None = None  # USD for this whole ask (--max-cost; vibing2_lab.budget)
    allow: Sequence[str] | str = ()  # tools pre-approved for this ask (--allow A,B): names or mcp__<server>

    def __post_init__(self) -> None:
        # Normalise only; the checks raise from check() so an Ask can be built and inspected first.
        self.agents = agent_names(self.agents)
        self.agent = _text_or_none(self.agent)
        self.model = _text_or_none(self.model)
        self.system = _text_or_none(self.system)

    @property
    def names(self) -> list[str]:
        """The agents named, one or several (empty for a plain or --auto ask)."""
        return list(self.agents) or ([self.agent] if self.agent else [])

    def check(self) -> None:
        """InputError for a combination of options that makes no sense."""
        if self.agent and self.agents:
            raise InputError("Give either one agent or a list of agents, not both.",
                             hint='Name one agent (--agent NAME, "agent") or several (--agents A,B, "agents").')
        if self.auto and self.names:
            raise InputError("auto picks the agent from the prompt: do not name agents as well.",
                             hint='Use --auto (or "auto": true) alone, or name the agents without it.')
        if self.chain and len(self.names) < 2:
            raise InputError("chain needs at least two agents.",
                             hint='Name them: --agents A,B --chain (or "agents": ["a", "b"], "chain": true).')
        if self.max_tokens is not None and self.max_tokens < 1:
            raise InputError("max_tokens must be 1 or more.", hint="Leave it out to use the configured default.")
        if self.max_tokens is not None:
            check_max_tokens(self.max_tokens, "The ask's max_tokens", InputError)
        # NaN slips through every comparison and is not JSON: upstream refuses it, a notebook breaks.
        if self.temperature is not None and not math.isfinite(self.temperature):
            raise InputError(f"temperature must be a finite number, not {self.temperature!r}.",
                             hint="Use a value from 0 to 1, or leave it out.")
        if self.temperature is not None and self.temperature < 0:
            raise InputError("temperature cannot be negative.", hint="Use a value from 0 to 1.")
        if self.temperature is not None:  # any provider's range here; plan_models checks the provider's
            check_temperature(self.temperature, "The ask's temperature", InputError)
        if self.model is not None:
            check_model_name(self.model, "The ask's model", InputError)
        if self.max_cost is not None and not (self.max_cost > 0 and self.max_cost != float("inf")):
            raise InputError("max_cost must be a positive number of US dollars.", hint="e.g. --max-cost 0.05")
        from ..tools.policy import parse_allow

        self.allow = parse_allow(self.allow)  # InputError for a malformed list


def agent_names(value: Sequence[str] | str | None) -> tuple[str, ...]:
    """`"a, b"` or `["a", " b"]` as clean names, empty items dropped."""
    items = value.split(",") if isinstance(value, str) else (value or ())
    return tuple(name.strip() for name in items if name.strip())


def _text_or_none(value: str | None) -> str | None:
    return (value or "").strip() or None


def check_prompt(prompt: str, settings: Settings) -> None:
    """InputError when the prompt is empty, larger than settings.max_prompt_bytes, or not valid Unicode."""
    if not prompt.strip():
        raise InputError("The prompt is empty.", hint="Give the text to send, or - to read it from stdin.")
    _check_text("prompt", prompt, settings.max_prompt_bytes)


def check_system(system: str | None, settings: Settings) -> None:
    """InputError when the extra system text is larger than max_prompt_bytes or not valid Unicode."""
    if system is not None:
        _check_text("system text", system, settings.max_prompt_bytes)


def _check_text(what: str, text: str, limit: int) -> None:
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: undecodable bytes (argv, a file) or a "\ud800" escape
        raise InputError(f"The {what} is not valid Unicode text (it holds a lone surrogate).",
                         hint="Save or type the text as UTF-8.") from None
    if size > limit:
        raise InputError(f"The {what} is {size:,} bytes, more than max_prompt_bytes ({limit:,}).",
                         hint="Shorten it, or raise max_prompt_bytes in config.yaml.")
    from ..store.text import refuse_unstorable

    refuse_unstorable(text, what)  # a NUL: StoreError on both engines, before anything is stored or sent


def resolve_agents(ask: Ask, registry: AgentRegistry) -> tuple[list[Agent], Pick | None]:
    """The agents the ask names (UnknownAgentError for a name not installed), or the --auto pick."""
    if ask.auto:
        pick = registry.pick(ask.prompt, context=ask.context)
        return [pick.agent], pick
    from ..agents.orchestrate import check_agents

    agents = [registry.get(name) for name in ask.names]
    if agents:  # a name twice (or two spellings of one): refused now, not after the stream began
        check_agents(agents)
    return agents, None


def plan_models(ask: Ask, agents: Sequence[Agent], settings: Settings, *,
                allowed: Sequence[str] = ()) -> list[ModelRef]:
    """The model of each agent (one for a plain ask): --model, else the agent's, else its tier's;
    InputError for one outside `allowed` (globs or model ids; empty: every model)."""
    refs = [_model_for(ask, agent, settings) for agent in agents or [None]]
    if allowed:
        check_allowed([str(ref) for ref in refs], allowed, settings)
    _check_provider_temperature(ask, refs, settings)
    return refs


def _check_provider_temperature(ask: Ask, refs: Sequence[ModelRef], settings: Settings) -> None:
    """The temperature each call will send within its provider's range (Anthropic's is 0..1):
    the ask's (InputError), else config.yaml's (ConfigError)."""
    value = ask.temperature if ask.temperature is not None else settings.temperature
    if value is None:
        return
    where, error = (("The ask's temperature", InputError) if ask.temperature is not None else
                    (f"{settings.source}: `temperature`", ConfigError))
    for ref in refs:
        check_temperature(value, where, error, wire=settings.wire(ref.provider), provider=ref.provider)


def _model_for(ask: Ask, agent: Agent | None, settings: Settings) -> ModelRef:
    from ..models import resolve_model

    spec = ask.model
    if spec is None and agent is not None and agent.model not in (None, "", "inherit"):
        spec = check_model_name(agent.model, f"The model of agent {agent.name} ({agent.path})", ConfigError)
    tier = agent.performance_tier if agent is not None and spec is None else None
    return resolve_model(spec, settings=settings, tier=tier)


def check_allowed(models: Sequence[str], allowed: Sequence[str], settings: Settings) -> None:
    """InputError for the first model no pattern of `allowed` (c.Vibing2Lab.allowed_models) admits."""
    from ..models import resolve_model

    patterns = [p if any(c in p for c in _PATTERN_CHARS) else str(resolve_model(p, settings=settings))
                for p in allowed]
    for model in models:
        if not any(fnmatchcase(model, p) for p in patterns):
            raise InputError(f"Model {model} is not allowed on this Jupyter server.",
                             hint=f"Allowed: {', '.join(allowed)} "
                                  "(c.Vibing2Lab.allowed_models). Pick one of those with 'model'.")
