"""Where vibing2-lab keeps its data: `$VIBING2_LAB_HOME`, else the platform's user data dir."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "VIBING2_LAB_HOME"
AGENTS_PATH_ENV = "VIBING2_LAB_AGENTS_PATH"


def home() -> Path:
    """The data directory (created on first use)."""
    env = os.environ.get(HOME_ENV)
    if env:
        path = Path(env).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("vibing2-lab", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path() -> Path:
    return home() / "vibing2.db"


DATABASE_URL_ENV = "VIBING2_LAB_DATABASE_URL"


def database_url() -> str | None:
    """The PostgreSQL URL the store uses instead of the SQLite file: $VIBING2_LAB_DATABASE_URL,
    else `database_url` in config.yaml, else None (SQLite)."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if not url and config_path().exists():  # without a config file no YAML is parsed
        from .config import load_settings

        url = (load_settings().database_url or "").strip()
    if url and not url.startswith(("postgresql://", "postgres://")):
        from .errors import ConfigError

        raise ConfigError(f"The database URL must start with postgresql://, not {url.split(':', 1)[0]!r}.",
                          hint=f"Set {DATABASE_URL_ENV}=postgresql://USER@HOST:PORT/DB, or unset it for SQLite.")
    return url or None


def config_path() -> Path:
    return home() / "config.yaml"


def bundled_agents_dir() -> Path:
    """The agents shipped with the package (wheel) or the repo's `agents/` (source checkout)."""
    here = Path(__file__).resolve().parent
    wheel = here / "_bundled_agents"
    return wheel if wheel.is_dir() else here.parent / "agents"
