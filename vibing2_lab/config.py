"""Settings: built-in defaults, then `<home>/config.yaml`, then the environment.

config.yaml (every key optional; an unknown key is an error that names it):

    default_model: anthropic:claude-sonnet-4-5   # provider:model, or an alias
    default_agent: fullstack-developer           # when auto-selection finds nothing
    auto: local                                  # auto-selection: local ranking, or `model` (re-rank by the fast tier)
    aliases: {sonnet: anthropic:claude-sonnet-4-5, llama: openai:llama3.1}
    tiers: {fast: haiku, balanced: sonnet, thorough: opus}   # performance_tier -> model
    providers:
      anthropic: {base_url: https://api.anthropic.com, rate_limit_rpm: 50, api_version: "2023-06-01"}
      openai: {base_url: https://api.openai.com/v1, rate_limit_rpm: 60}
      ollama: {base_url: "http://localhost:11434/v1", wire: openai}  # more OpenAI-compatible servers
    prices: {claude-sonnet-4-5: {input: 3.0, output: 15.0}}  # USD per million tokens
    timeouts: {connect: 10, idle: 60, progress: 300}  # seconds; idle = max gap between bytes,
                                                  # progress = max time without answer content
    retries: {max: 4, base_delay: 0.5, max_delay: 30}
    budgets: {per_call_usd: 0.5, per_project_usd: 5, daily_usd: 10, monthly_usd: 100}  # USD, any subset
    max_tokens: 4096
    temperature: null
    max_prompt_bytes: 200000
    replay_pace: 0.012                            # seconds per token when replaying
    preview: {network: cdn, cdns: [https://cdn.jsdelivr.net, ...]}  # cdn | none | open (preview.py)
    completion: {model: null, max_lines: 8, debounce_ms: 250, enabled: true}  # inline completion;
                                                  # model null = the `fast` tier
    tools:                                        # agent tools (vibing2_lab/tools/)
      allow: [Read, mcp__time]                    # run without asking (names or mcp__<server>)
      ask: [Glob]                                 # ask first
      deny: [Bash]                                # never run (--allow cannot lift it)
      default: []                                 # tools for agents whose frontmatter has no `tools:`
      max_steps: 20                               # model requests per answer in a tool loop
      bash_timeout: 120                           # seconds
      max_output_chars: 30000                     # a tool result given back to the model
    mcp_servers: {time: {command: mcp-server-time}}  # MCP servers agents may use (mcp/servers.py)

Environment: ANTHROPIC_BASE_URL, OPENAI_BASE_URL override the providers' base URLs;
VIBING2_LAB_IDLE_TIMEOUT overrides timeouts.idle, VIBING2_LAB_PROGRESS_TIMEOUT timeouts.progress;
VIBING2_LAB_REPLAY_PACE overrides replay_pace;
VIBING2_LAB_MODE=replay (or replay-fallback) turns replay on.

Values are checked: a wrong type or a negative timeout is a ConfigError naming the key.
A provider other than anthropic/openai speaks the OpenAI-compatible wire unless its `wire`
says otherwise; its key comes from `<NAME>_API_KEY` or the keychain (username = its name).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:
    from .preview import PreviewPolicy

DEFAULT_ALIASES = {
    "sonnet": "anthropic:claude-sonnet-4-5",
    "opus": "anthropic:claude-opus-4-1",
    "haiku": "anthropic:claude-haiku-4-5",
    "claude": "anthropic:claude-sonnet-4-5",
    "gpt": "openai:gpt-4o-mini",
    "llama": "openai:llama3.1",
}

DEFAULT_PRICES = {  # USD per million tokens, public list prices
    "claude-opus-4-1": {"input": 15.0, "output": 75.0},
    "claude-sonnet-4-5": {"input": 3.0, "output": 15.0},
    "claude-haiku-4-5": {"input": 1.0, "output": 5.0},
    "gpt-4o-mini": {"input": 0.15, "output": 0.6},
    "gpt-4o": {"input": 2.5, "output": 10.0},
}


WIRES = ("anthropic", "openai")  # wire formats a provider can speak


@dataclass
class ProviderSettings:
    base_url: str
    rate_limit_rpm: float = 60.0  # 0 = no limit
    api_version: str | None = None
    wire: str | None = None  # "anthropic" | "openai"; None = the provider's own name, else openai


@dataclass
class Timeouts:
    connect: float = 10.0
    idle: float = 60.0  # between bytes
    # Without answer content (text, a tool call's input): keep-alives (`event: ping`, SSE comments,
    # empty chunks) are bytes, so an upstream sending only those would outlast any idle timeout.
    progress: float = 300.0


@dataclass
class Budgets:
    """Spending limits in USD (vibing2_lab.budget); None: no limit."""

    per_call_usd: float | None = None
    per_project_usd: float | None = None
    daily_usd: float | None = None
    monthly_usd: float | None = None


@dataclass
class CompletionSettings:
    """Inline completion in the editor (vibing2_lab.completion)."""

    model: str | None = None  # provider:model or alias; None = the `fast` tier
    max_lines: int = 8  # longest continuation offered
    debounce_ms: int = 250  # quiet time after a keystroke before a request starts
    enabled: bool = True


@dataclass
class Retries:
    max: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0


def _default_providers() -> dict[str, ProviderSettings]:
    return {
        "anthropic": ProviderSettings("https://api.anthropic.com", 50.0, "2023-06-01"),
        "openai": ProviderSettings("https://api.openai.com/v1", 60.0),
    }


@dataclass
class ToolSettings:
    allow: list[str] = field(default_factory=list)
    ask: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    default: list[str] = field(default_factory=list)
    max_steps: int = 20
    bash_timeout: float = 120.0
    max_output_chars: int = 30_000


@dataclass
class Settings:
    default_model: str = "anthropic:claude-sonnet-4-5"
    default_agent: str = "fullstack-developer"
    auto: str = "local"  # "local" | "model": auto-selection's ranking (agents/rerank.py)
    aliases: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ALIASES))
    tiers: dict[str, str] = field(default_factory=lambda: {"fast": "haiku", "balanced": "sonnet", "thorough": "opus"})
    providers: dict[str, ProviderSettings] = field(default_factory=_default_providers)
    prices: dict[str, dict[str, float]] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    timeouts: Timeouts = field(default_factory=Timeouts)
    budgets: Budgets = field(default_factory=Budgets)
    retries: Retries = field(default_factory=Retries)
    completion: CompletionSettings = field(default_factory=CompletionSettings)
    max_tokens: int = 4096
    temperature: float | None = None
    max_prompt_bytes: int = 200_000
    database_url: str | None = None  # postgresql://... : the store on PostgreSQL (VIBING2_LAB_DATABASE_URL wins)
    replay_pace: float = 0.012  # about 80 words/s, like a fast live model
    tools: ToolSettings = field(default_factory=ToolSettings)
    mcp_servers: dict[str, Any] = field(default_factory=dict)  # name -> mcp.servers.ServerConfig
    mode: str = "live"  # "live" | "replay" (from VIBING2_LAB_MODE)
    preview: PreviewPolicy | None = None  # None: the default policy (preview.py), built on first use
    source: str = "defaults"  # where the settings came from, for messages

    def preview_policy(self) -> PreviewPolicy:
        """What generated pages may load (config.yaml `preview:`)."""
        if self.preview is None:
            from .preview import PreviewPolicy

            self.preview = PreviewPolicy()
        return self.preview

    def wire(self, provider: str) -> str:
        """The wire format a configured provider speaks ("anthropic" or "openai")."""
        conf = self.providers[provider]
        return conf.wire or (provider if provider in WIRES else "openai")

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        """Estimated USD cost of a call, or None when the model has no price."""
        price = self.prices.get(model.split(":", 1)[-1])
        if not price:
            return None
        return (input_tokens * price.get("input", 0.0) + output_tokens * price.get("output", 0.0)) / 1e6


def _float_env(name: str) -> float | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds.", hint=f"Set {name} to e.g. 60.") from None


def load_settings(path: Path | None = None) -> Settings:
    """Defaults, then config.yaml (if present), then environment variables."""
    from .paths import config_path

    from .config_file import config_data, merge

    settings = Settings()
    path = path or config_path()
    data = config_data(path)
    if data is not None:
        merge(settings, data, path)
        settings.source = str(path)
    for provider, env in (("anthropic", "ANTHROPIC_BASE_URL"), ("openai", "OPENAI_BASE_URL")):
        if os.environ.get(env):
            settings.providers[provider].base_url = os.environ[env].rstrip("/")
    for name, var, example in (("idle", "VIBING2_LAB_IDLE_TIMEOUT", 60),
                               ("progress", "VIBING2_LAB_PROGRESS_TIMEOUT", 300)):
        seconds = _float_env(var)
        if seconds is not None:
            if seconds <= 0:
                raise ConfigError(f"{var}={seconds:g} must be more than 0 seconds.",
                                  hint=f"Set {var} to e.g. {example}.")
            setattr(settings.timeouts, name, seconds)
    pace = _float_env("VIBING2_LAB_REPLAY_PACE")
    if pace is not None:
        settings.replay_pace = max(pace, 0.0)
    mode = os.environ.get("VIBING2_LAB_MODE", "").strip().lower()
    if mode:
        if mode not in ("live", "replay", "replay-fallback"):
            raise ConfigError(f"VIBING2_LAB_MODE={mode!r} is not a mode.",
                              hint="Use VIBING2_LAB_MODE=replay (or live, replay-fallback).")
        settings.mode = mode
    return settings
