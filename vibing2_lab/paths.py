"""Where vibing2-lab keeps its data: `$VIBING2_LAB_HOME`, else the platform's user data dir."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

HOME_ENV = "VIBING2_LAB_HOME"
AGENTS_PATH_ENV = "VIBING2_LAB_AGENTS_PATH"


def home() -> Path:
    """The data directory (created on first use); ConfigError saying what to fix if it cannot be.

    A home that exists but is read-only is returned: reading still works there."""
    env = os.environ.get(HOME_ENV)
    if env:
        path = Path(env).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("vibing2-lab", appauthor=False))
    if not path.is_dir():
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unusable(path, exc, from_env=bool(env)) from None
    return path


def _unusable(path: Path, exc: OSError, *, from_env: bool) -> Exception:
    from .errors import ConfigError

    reasons = {FileExistsError: "a file is in the way", NotADirectoryError: "a part of it is a file, not a folder",
               PermissionError: "permission denied", FileNotFoundError: "a part of it does not exist"}
    why = next((text for cls, text in reasons.items() if isinstance(exc, cls)), exc.strerror or type(exc).__name__)
    where = f"{HOME_ENV}={path}" if from_env else str(path)
    return ConfigError(f"The vibing2-lab data folder {where} cannot be created: {why}.",
                       hint=f"Set {HOME_ENV} to a folder you can write to (e.g. {HOME_ENV}=~/vibing2-lab).")


def database_path() -> Path:
    return home() / "vibing2.db"


DATABASE_URL_ENV = "VIBING2_LAB_DATABASE_URL"


def database_url() -> str | None:
    """The PostgreSQL URL the store uses instead of the SQLite file: $VIBING2_LAB_DATABASE_URL,
    else `database_url` in config.yaml, else None (SQLite)."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip() or _configured_database_url()
    if url and not url.startswith(("postgresql://", "postgres://")):
        from .errors import ConfigError

        raise ConfigError(f"The database URL must start with postgresql://, not {url.split(':', 1)[0]!r}.",
                          hint=f"Set {DATABASE_URL_ENV}=postgresql://USER@HOST:PORT/DB, or unset it for SQLite.")
    return url or None


# (config.yaml's path and stat signature, its database_url): every request of the server opens
# the store, and reading the settings again for it cost each one a config load
_CONFIGURED: list[tuple[tuple[Any, ...], str]] = []


def _configured_database_url() -> str:
    """`database_url` from config.yaml ("" without one), read again only when the file changed."""
    from .config_file import file_signature

    path = config_path()
    signature = file_signature(path)
    if signature is None:  # no config file: no YAML is parsed
        return ""
    key = (str(path), *signature)
    if _CONFIGURED and _CONFIGURED[0][0] == key:
        return _CONFIGURED[0][1]
    from .config import load_settings

    url = (load_settings().database_url or "").strip()
    _CONFIGURED[:] = [(key, url)]
    return url


def config_path() -> Path:
    return home() / "config.yaml"


_BUNDLED: list[Path] = []  # found once per process: the package does not move


def bundled_agents_dir() -> Path:
    """The agents shipped with the package (wheel) or the repo's `agents/` (source checkout)."""
    if not _BUNDLED:
        here = Path(__file__).resolve().parent
        wheel = here / "_bundled_agents"
        _BUNDLED.append(wheel if wheel.is_dir() else here.parent / "agents")
    return _BUNDLED[0]
