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
    timeouts: {connect: 10, idle: 60}             # seconds; idle = max gap between bytes
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
VIBING2_LAB_IDLE_TIMEOUT overrides timeouts.idle; VIBING2_LAB_REPLAY_PACE overrides replay_pace;
VIBING2_LAB_MODE=replay (or replay-fallback) turns replay on.

Values are checked: a wrong type or a negative timeout is a ConfigError naming the key.
A provider other than anthropic/openai speaks the OpenAI-compatible wire unless its `wire`
says otherwise; its key comes from `<NAME>_API_KEY` or the keychain (username = its name).
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, field, fields
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
    idle: float = 60.0


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


def _check_keys(section: str, data: Any, allowed: set[str], path: Path) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: `{section}` must be a mapping, not {type(data).__name__}.",
                          hint="Fix the file or delete the section to use the defaults.")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {', '.join(repr(k) for k in unknown)} in {section}.",
            hint=f"Known keys: {', '.join(sorted(allowed))}.",
        )
    return data


def _typed(where: str, value: Any, kind: type, path: Path, *, minimum: float | None = None,
           optional: bool = False) -> Any:
    """`value` converted to `kind` (int/float/str), or a ConfigError naming `where`."""
    if value is None and optional:
        return None
    ok = isinstance(value, str) if kind is str else (
        isinstance(value, (int, float)) and not isinstance(value, bool)
        and (isinstance(value, int) or math.isfinite(value))  # YAML .nan/.inf are no setting
        and (kind is float or float(value).is_integer()))
    if not ok or (minimum is not None and value < minimum):
        need = {str: "a string", int: "a whole number", float: "a number"}[kind]
        floor = f" >= {minimum:g}" if minimum is not None else ""
        raise ConfigError(f"{path}: `{where}` must be {need}{floor}, not {value!r}.",
                          hint="Fix the value or delete it to use the default.")
    return kind(value)


# top-level scalar keys: (type, minimum, may be null)
_SCALARS: dict[str, tuple[type, float | None, bool]] = {
    "default_model": (str, None, False), "default_agent": (str, None, False), "auto": (str, None, False),
    "max_tokens": (int, 1, False), "temperature": (float, 0, True),
    "max_prompt_bytes": (int, 1, False), "replay_pace": (float, 0, False),
    "database_url": (str, None, True),
}
_SECTIONS: dict[str, dict[str, tuple[type, float | None]]] = {
    "timeouts": {"connect": (float, 0.001), "idle": (float, 0.001)},
    "budgets": {"per_call_usd": (float, 0), "per_project_usd": (float, 0), "daily_usd": (float, 0),
                "monthly_usd": (float, 0)},
    "retries": {"max": (int, 0), "base_delay": (float, 0), "max_delay": (float, 0)},
    "tools": {"max_steps": (int, 1), "bash_timeout": (float, 0.001), "max_output_chars": (int, 100)},
}
_TOOL_LISTS = ("allow", "ask", "deny", "default")


def _merge(settings: Settings, data: dict[str, Any], path: Path) -> None:
    top = {f.name for f in fields(Settings)} - {"mode", "source"}
    _check_keys("config.yaml", data, top, path)
    for key, value in data.items():
        if key in ("aliases", "tiers"):
            for name, target in _check_keys(key, value, set(value or {}), path).items():
                getattr(settings, key)[str(name)] = _typed(f"{key}.{name}", target, str, path)
        elif key == "prices":
            for model, price in _check_keys(key, value, set(value or {}), path).items():
                price = _check_keys(f"prices.{model}", price, {"input", "output", "cache_read", "cache_write"}, path)
                settings.prices[str(model)] = {k: _typed(f"prices.{model}.{k}", v, float, path, minimum=0)
                                               for k, v in price.items()}
        elif key == "providers":
            for name, conf in _check_keys(key, value, set(value or {}), path).items():
                _merge_provider(settings, str(name), conf, path)
        elif key == "mcp_servers":
            from .mcp.servers import parse_servers

            settings.mcp_servers = parse_servers(value, path)
        elif key == "preview":
            from .preview import policy_from_config

            settings.preview = policy_from_config(value, str(path))
        elif key == "completion":
            _merge_completion(settings.completion, value, path)
        elif key in _SECTIONS:
            current = getattr(settings, key)
            schema = _SECTIONS[key]
            lists = _TOOL_LISTS if key == "tools" else ()
            for k, v in _check_keys(key, value, set(schema) | set(lists), path).items():
                if k in lists:
                    setattr(current, k, _names(f"{key}.{k}", v, path))
                else:
                    setattr(current, k, _typed(f"{key}.{k}", v, schema[k][0], path, minimum=schema[k][1]))
        else:
            kind, minimum, optional = _SCALARS[key]
            setattr(settings, key, _typed(key, value, kind, path, minimum=minimum, optional=optional))
            if key == "auto" and settings.auto not in ("local", "model"):
                raise ConfigError(f"auto: {settings.auto!r} in {path} is not local or model.",
                                  hint="auto: local (keyword ranking) or auto: model (the fast tier re-ranks it).")


def _merge_completion(completion: CompletionSettings, data: Any, path: Path) -> None:
    for k, v in _check_keys("completion", data, {f.name for f in fields(CompletionSettings)}, path).items():
        where = f"completion.{k}"
        if k == "enabled":
            if not isinstance(v, bool):
                raise ConfigError(f"{path}: `{where}` must be true or false, not {v!r}.",
                                  hint="Fix the value or delete it to use the default.")
            completion.enabled = v
        elif k == "model":
            completion.model = _typed(where, v, str, path, optional=True)
        else:
            setattr(completion, k, _typed(where, v, int, path, minimum=1 if k == "max_lines" else 0))


def _names(where: str, value: Any, path: Path) -> list[str]:
    """A list of tool names (or mcp__<server> prefixes)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() and " " not in v.strip()
                                              for v in value):
        raise ConfigError(f"{path}: `{where}` must be a list of tool names, not {value!r}.",
                          hint="e.g. tools: {allow: [Read, mcp__time], deny: [Bash]}")
    return [v.strip() for v in value]


def _merge_provider(settings: Settings, name: str, conf: Any, path: Path) -> None:
    conf = _check_keys(f"providers.{name}", conf, {f.name for f in fields(ProviderSettings)}, path)
    where = f"providers.{name}"
    checked: dict[str, Any] = {}
    for k, v in conf.items():
        if k == "rate_limit_rpm":
            checked[k] = _typed(f"{where}.{k}", v, float, path, minimum=0)
        else:
            checked[k] = _typed(f"{where}.{k}", v, str, path, optional=k != "base_url")
    if checked.get("wire") not in (None, *WIRES):
        raise ConfigError(f"{path}: `{where}.wire` is {checked['wire']!r}.", hint=f"Use one of: {', '.join(WIRES)}.")
    base = settings.providers.get(name)
    if base is None and not checked.get("base_url"):
        raise ConfigError(f"{path}: provider {name!r} has no base_url.",
                          hint=f"Add providers.{name}.base_url, e.g. http://localhost:11434/v1.")
    merged = {**vars(base), **checked} if base else checked
    merged["base_url"] = merged["base_url"].rstrip("/")
    settings.providers[name] = ProviderSettings(**merged)


def _float_env(name: str) -> float | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds.", hint=f"Set {name} to e.g. 60.") from None


# str(path) -> (the file's stat signature, its parsed YAML): the server loads settings per request
_PARSED: dict[str, tuple[tuple[int, ...], Any]] = {}


def _config_data(path: Path) -> Any:
    """config.yaml parsed (a fresh copy each call), or None when there is none; parsed again
    only when the file's stat changed."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror or exc}.", hint="Check its permissions.") from None
    signature = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    cached = _PARSED.get(str(path))
    if cached is None or cached[0] != signature:
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path} is not valid YAML: {exc}", hint="Fix the file or move it away.") from None
        except OSError as exc:
            raise ConfigError(f"{path} cannot be read: {exc.strerror or exc}.", hint="Check its permissions.") from None
        _PARSED[str(path)] = cached = (signature, data)
    return copy.deepcopy(cached[1])  # _merge may keep lists and dicts of it in the Settings


def load_settings(path: Path | None = None) -> Settings:
    """Defaults, then config.yaml (if present), then environment variables."""
    from .paths import config_path

    settings = Settings()
    path = path or config_path()
    data = _config_data(path)
    if data is not None:
        _merge(settings, data, path)
        settings.source = str(path)
    for provider, env in (("anthropic", "ANTHROPIC_BASE_URL"), ("openai", "OPENAI_BASE_URL")):
        if os.environ.get(env):
            settings.providers[provider].base_url = os.environ[env].rstrip("/")
    idle = _float_env("VIBING2_LAB_IDLE_TIMEOUT")
    if idle is not None:
        if idle <= 0:
            raise ConfigError(f"VIBING2_LAB_IDLE_TIMEOUT={idle:g} must be more than 0 seconds.",
                              hint="Set VIBING2_LAB_IDLE_TIMEOUT to e.g. 60.")
        settings.timeouts.idle = idle
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
