"""`vibing2-lab login`: store a provider's API key in the OS keychain (never echoed)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("login", help="store an API key in the OS keychain",
                       description="Store an API key in the OS keychain (service vibing2-lab). The key is "
                                   "prompted for without echo, or read from stdin when it is not a terminal.")
    p.add_argument("--provider", default="anthropic", metavar="NAME",
                   help="anthropic (default), openai, or another provider from config.yaml")
    p.add_argument("--delete", action="store_true", help="remove the stored key instead")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    from ..config import load_settings
    from ..errors import ConfigError
    from ..keys import KEYCHAIN, delete_key, env_var, store_key

    settings = load_settings()
    provider = args.provider
    if provider not in settings.providers:
        raise ConfigError(f"Unknown provider {provider!r}.", hint=f"Known providers: {', '.join(sorted(settings.providers))}.")
    if args.delete:
        found = delete_key(provider)
        print(f"Removed the {provider} key from the {KEYCHAIN}." if found else f"No {provider} key was stored.")
        return 0
    backend = store_key(provider, _read_key(provider))
    print(f"Stored the {provider} API key in the {KEYCHAIN} ({backend}).")
    if os.environ.get(env_var(provider)):
        print(f"Note: {env_var(provider)} is set in this environment and is used before the keychain.")
    return 0


def _read_key(provider: str) -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"{provider} API key (input hidden): ")
    return sys.stdin.readline()  # piped: `printenv KEY | vibing2-lab login`
