"""A small in-memory cache of finished completions, per server process.

The key is everything the answer depends on (model, way of prompting, max_lines, and the
budgeted context). Besides exact hits it serves the common "typing on through the ghost
text" case: a request whose prefix is a cached prefix plus characters that match the start
of the cached continuation gets the rest of that continuation, without a model call.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from dataclasses import asdict
from typing import Callable

from .context import CompletionContext


def context_key(ctx: CompletionContext, *, model: str, fill: bool, max_lines: int) -> str:
    """What an answer depends on, except the prefix (compared separately)."""
    rest = {"model": model, "fill": fill, "max_lines": max_lines, "language": ctx.language,
            "suffix": ctx.suffix, "cells": [asdict(c) for c in ctx.cells]}
    return hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()


class CompletionCache:
    """LRU of (context key, prefix) → continuation, at most `size` entries, each kept `ttl` s."""

    def __init__(self, size: int = 128, ttl: float = 600.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], tuple[str, float]] = OrderedDict()
        self.hits = 0

    def get(self, key: str, prefix: str) -> str | None:
        """The continuation for this context: an exact hit, or the rest of one typed into."""
        now = self._clock()
        exact = self._entries.get((key, prefix))
        if exact is not None and now - exact[1] < self.ttl:
            self._entries.move_to_end((key, prefix))
            self.hits += 1
            return exact[0]
        for (k, cached_prefix), (text, at) in reversed(self._entries.items()):
            if k != key or now - at >= self.ttl or not prefix.startswith(cached_prefix):
                continue
            typed = prefix[len(cached_prefix):]
            if text.startswith(typed) and len(text) > len(typed):
                self.hits += 1
                return text[len(typed):]
        return None

    def put(self, key: str, prefix: str, text: str) -> None:
        self._entries[(key, prefix)] = (text, self._clock())
        self._entries.move_to_end((key, prefix))
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
