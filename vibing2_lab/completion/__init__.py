"""Inline completion in the editor: the core behind `POST /vibing2-lab/api/complete`.

    context.py   what the editor sends (prefix, suffix, earlier cells, language), limits, budget
    prompt.py    context → model request: fill-in-the-middle for code models, else a chat prompt
    trim.py      the model's answer → only the continuation (no echo, fences, prose)
    cache.py     finished completions by context, including "typed into the ghost text"
    run.py       Completer: plan a request, stream the model, trim, cache, count

Importing this package is cheap; the providers load on the first completion.
"""

from __future__ import annotations

from .cache import CompletionCache
from .context import MAX_BODY_BYTES, Cell, CompletionContext, context_from
from .run import CompletionAsk, Completer, Finished, Piece, Plan, ask_from
from .trim import Shown, visible

__all__ = ["MAX_BODY_BYTES", "Cell", "CompletionAsk", "CompletionCache", "CompletionContext", "Completer",
           "Finished", "Piece", "Plan", "Shown", "ask_from", "context_from", "visible"]
