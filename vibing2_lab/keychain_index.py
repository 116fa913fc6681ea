"""Which providers have a key in the OS keychain: names only, never a key, in
`<VIBING2_LAB_HOME>/keychain.json`.

Why: an ask redacts every configured key from what it stores and sends (keys.configured_keys),
and asking the keychain for each provider on every ask cost a fresh process ~80 ms of CPU
(importing keyring and finding its backend) and a long-running one a keychain query per provider
per ask (a D-Bus round trip on Linux desktops), for providers that have no key there at all. The
keychain is asked only for the providers listed here: `vibing2-lab login` (keys.store_key) adds
one, deleting the key removes it, and a key found in the keychain when a request reads it (put
there by an older version or by hand) is added then.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

_CACHE: dict[str, tuple[tuple[int, int], frozenset[str]]] = {}  # path -> (stat signature, names)


def _path() -> Path:
    from .paths import home

    return home() / "keychain.json"


def listed() -> frozenset[str]:
    """The providers noted as having a keychain key (empty when none, or the file is unreadable)."""
    path = _path()
    try:
        st = path.stat()
    except OSError:
        return frozenset()
    signature = (st.st_mtime_ns, st.st_size)
    cached = _CACHE.get(str(path))
    if cached is not None and cached[0] == signature:
        return cached[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        names = frozenset(n for n in data.get("providers", []) if isinstance(n, str)) if isinstance(data, dict) \
            else frozenset()
    except (OSError, ValueError):
        names = frozenset()  # a damaged index only means the keychain is asked again, by a request
    _CACHE[str(path)] = (signature, names)
    return names


def note(provider: str, present: bool) -> None:
    """Record that `provider` has (or no longer has) a keychain key; a home that cannot be
    written keeps the old list (nothing depends on it but which keys an ask redacts)."""
    names = set(listed())
    if (provider in names) == present:
        return
    names = names | {provider} if present else names - {provider}
    path = _path()
    tmp = path.with_name(f".keychain.{os.getpid()}.json")
    try:
        tmp.write_text(json.dumps({"providers": sorted(names)}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
