"""config.yaml `mcp_servers:` → checked `ServerConfig`s. No `mcp` import here: settings load cheaply.

    mcp_servers:
      time: {command: mcp-server-time, args: ["--local-timezone", "UTC"], env: {}}
      docs: {url: "http://127.0.0.1:8000/mcp", headers: {Authorization: "Bearer ${DOCS_TOKEN}"}}

stdio servers take `command`, `args`, `env`, `cwd`; streamable-HTTP servers `url`, `headers`;
both take `timeout` (seconds per tool call, default 60) and `start_timeout` (default 30).
`${VAR}` in args, env, cwd, url and headers expands from the environment when the server is
started, never earlier: the expanded values (tokens) live only in the connection, and every
text we show (status, errors) is scrubbed of them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

NAME = re.compile(r"^[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$")  # no "__": it separates mcp__<server>__<tool>
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_STDIO_KEYS = {"command", "args", "env", "cwd", "timeout", "start_timeout"}
_HTTP_KEYS = {"url", "headers", "timeout", "start_timeout"}


@dataclass(frozen=True)
class ServerConfig:
    """One configured MCP server, with `${VAR}` references still unexpanded."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    cwd: str | None = None
    url: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    timeout: float = 60.0
    start_timeout: float = 30.0

    @property
    def transport(self) -> str:
        return "stdio" if self.command is not None else "http"

    def where(self) -> str:
        """What the server is, for messages: the command line or the URL (templates, not secrets)."""
        return " ".join((self.command or "", *self.args)) if self.command is not None else str(self.url)

    def expanded(self) -> Expanded:
        """The values to connect with; a ConfigError names an unset variable (never a value).
        The client turns it into an McpServerError naming the server: the answer goes on."""
        secrets: list[str] = []

        def exp(text: str, where: str, *, secret: bool = False) -> str:
            def sub(m: re.Match[str]) -> str:
                value = os.environ.get(m.group(1))
                if value is None:
                    raise ConfigError(f"{where} uses ${{{m.group(1)}}}, which is not set.",
                                      hint=f"Set {m.group(1)} in the environment, or edit mcp_servers.{self.name}.")
                if value:
                    secrets.append(value)
                return value

            out = _VAR.sub(sub, text)
            if secret and out:
                secrets.append(out)
            return out

        return Expanded(
            args=[exp(a, "args") for a in self.args],
            env={k: exp(v, f"env.{k}", secret=True) for k, v in self.env},
            cwd=exp(self.cwd, "cwd") if self.cwd else None,
            url=exp(self.url, "url") if self.url else None,
            headers={k: exp(v, f"headers.{k}", secret=True) for k, v in self.headers},
            secrets=tuple(sorted(set(secrets), key=len, reverse=True)),
        )


@dataclass
class Expanded:
    args: list[str]
    env: dict[str, str]
    cwd: str | None
    url: str | None
    headers: dict[str, str]
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def scrub(self, text: str) -> str:
        """`text` with every expanded env/header value (and variable) replaced, so no token is shown."""
        for secret in self.secrets:
            if len(secret) >= 4:
                text = text.replace(secret, "***")
        return text


def parse_servers(data: Any, path: Path) -> dict[str, ServerConfig]:
    """The `mcp_servers` section of config.yaml, checked; errors name the key and how to fix it."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: `mcp_servers` must be a mapping of server name to settings.",
                          hint="e.g. mcp_servers: {time: {command: mcp-server-time}}")
    return {str(name): _server(str(name), conf, path) for name, conf in data.items()}


def _server(name: str, conf: Any, path: Path) -> ServerConfig:
    where = f"mcp_servers.{name}"
    if not NAME.match(name):
        raise ConfigError(f"{path}: MCP server name {name!r} is not usable in tool names.",
                          hint="Use letters, digits, '-' and single '_' (tools are named mcp__<server>__<tool>).")
    if not isinstance(conf, dict) or ("command" in conf) == ("url" in conf):
        raise ConfigError(f"{path}: `{where}` needs either `command` (stdio) or `url` (streamable HTTP).",
                          hint=f"e.g. {name}: {{command: mcp-server-time}} or {name}: {{url: http://127.0.0.1:8000/mcp}}")
    allowed = _STDIO_KEYS if "command" in conf else _HTTP_KEYS
    unknown = sorted(set(conf) - allowed)
    if unknown:
        raise ConfigError(f"{path}: unknown key {', '.join(map(repr, unknown))} in {where}.",
                          hint=f"Known keys: {', '.join(sorted(allowed))}.")
    return ServerConfig(
        name=name,
        command=_text(conf, "command", where, path),
        args=tuple(_texts(conf.get("args", []), f"{where}.args", path)),
        env=_pairs(conf.get("env", {}), f"{where}.env", path),
        cwd=_text(conf, "cwd", where, path),
        url=_url(conf, where, path),
        headers=_pairs(conf.get("headers", {}), f"{where}.headers", path),
        timeout=_seconds(conf, "timeout", 60.0, where, path),
        start_timeout=_seconds(conf, "start_timeout", 30.0, where, path),
    )


def _text(conf: dict[str, Any], key: str, where: str, path: Path) -> str | None:
    value = conf.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(f"{path}: `{where}.{key}` must be a non-empty string.", hint="Fix or remove the value.")
    return value


def _texts(value: Any, where: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise ConfigError(f"{path}: `{where}` must be a list of strings.", hint='e.g. args: ["--local-timezone", "UTC"]')
    return [str(v) for v in value]


def _pairs(value: Any, where: str, path: Path) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not all(isinstance(v, (str, int, float)) for v in value.values()):
        raise ConfigError(f"{path}: `{where}` must map names to strings.", hint='e.g. {Authorization: "Bearer ${TOKEN}"}')
    return tuple((str(k), str(v)) for k, v in value.items())


def _url(conf: dict[str, Any], where: str, path: Path) -> str | None:
    url = _text(conf, "url", where, path)
    if url is not None and not re.match(r"^(https?://|\$\{)", url):
        raise ConfigError(f"{path}: `{where}.url` must be an http:// or https:// URL, not {url!r}.",
                          hint="Streamable-HTTP servers are reached by URL, e.g. http://127.0.0.1:8000/mcp.")
    return url


def _seconds(conf: dict[str, Any], key: str, default: float, where: str, path: Path) -> float:
    value = conf.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{path}: `{where}.{key}` must be a number of seconds above 0, not {value!r}.",
                          hint="Fix the value or delete it to use the default.")
    return float(value)
