"""config.yaml read and checked into Settings (config.py): one checker per section, every
error a ConfigError naming the file and the key; the parsed file kept until its stat changes."""

from __future__ import annotations

import copy
import math
from dataclasses import fields
from pathlib import Path
from typing import Any

from .config import WIRES, CompletionSettings, ProviderSettings, Settings
from .errors import ConfigError
from .limits import MAX_STEPS, check_max_tokens, check_model_name, check_temperature


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
    "timeouts": {"connect": (float, 0.001), "idle": (float, 0.001), "progress": (float, 0.001)},
    "budgets": {"per_call_usd": (float, 0), "per_project_usd": (float, 0), "daily_usd": (float, 0),
                "monthly_usd": (float, 0)},
    "retries": {"max": (int, 0), "base_delay": (float, 0), "max_delay": (float, 0)},
    "tools": {"max_steps": (int, 1), "bash_timeout": (float, 0.001), "max_output_chars": (int, 100)},
}
_TOOL_LISTS = ("allow", "ask", "deny", "default")


def merge(settings: Settings, data: dict[str, Any], path: Path) -> None:
    top = {f.name for f in fields(Settings)} - {"mode", "source"}
    _check_keys("config.yaml", data, top, path)
    for key, value in data.items():
        if key in ("aliases", "tiers"):
            for name, target in _check_keys(key, value, set(value or {}), path).items():
                getattr(settings, key)[str(name)] = check_model_name(
                    _typed(f"{key}.{name}", target, str, path), f"{path}: `{key}.{name}`", ConfigError)
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
                    if (key, k) == ("tools", "max_steps") and v > MAX_STEPS:  # what a record holds
                        raise ConfigError(f"{path}: `tools.max_steps` is {v:,}; an answer's record holds at most "
                                          f"{MAX_STEPS:,} model requests.", hint=f"Use at most {MAX_STEPS:,}.")
        else:
            kind, minimum, optional = _SCALARS[key]
            setattr(settings, key, _bounded(key, _typed(key, value, kind, path, minimum=minimum, optional=optional),
                                            path))
            if key == "auto" and settings.auto not in ("local", "model"):
                raise ConfigError(f"auto: {settings.auto!r} in {path} is not local or model.",
                                  hint="auto: local (keyword ranking) or auto: model (the fast tier re-ranks it).")


def _bounded(key: str, value: Any, path: Path) -> Any:
    """A top-level value within the bounds of vibing2_lab.limits (the same an ask's options have)."""
    where = f"{path}: `{key}`"
    if key == "max_tokens":
        check_max_tokens(value, where, ConfigError)
    elif key == "temperature" and value is not None:
        check_temperature(value, where, ConfigError)
    elif key == "default_model":
        check_model_name(value, where, ConfigError)
    return value


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
            if completion.model is not None:
                check_model_name(completion.model, f"{path}: `{where}`", ConfigError)
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


# str(path) -> (the file's stat signature, its parsed YAML): the server loads settings per request
_PARSED: dict[str, tuple[tuple[int, ...], Any]] = {}


def file_signature(path: Path) -> tuple[int, ...] | None:
    """The stat signature that caches of config.yaml are keyed by (this module's parse, the
    database URL of paths.py), or None when there is no file; ConfigError when it cannot be read."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror or exc}.", hint="Check its permissions.") from None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def config_data(path: Path) -> Any:
    """config.yaml parsed (a fresh copy each call), or None when there is none; parsed again
    only when the file's stat changed."""
    signature = file_signature(path)
    if signature is None:
        return None
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
    return copy.deepcopy(cached[1])  # merge may keep lists and dicts of it in the Settings
