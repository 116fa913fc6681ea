"""Context → model request, in one of two ways:

  fill    fill-in-the-middle, for code models on an OpenAI-compatible server (Ollama, vLLM,
          LM Studio): `prompt` = the earlier cells and the text before the cursor, `suffix` =
          the text after it; the model answers with the middle and nothing else.
  chat    any other model (Claude, chat models): one user message with the notebook and the
          cell, the cursor marked, and a system instruction to answer with only the
          continuation. trim.py cleans up what such models still add.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..providers import ModelRequest
from .context import CompletionContext

if TYPE_CHECKING:
    from ..config import Settings
    from ..models import ModelRef

CURSOR = "<CURSOR>"

# Model families trained for fill-in-the-middle (their names as Ollama / Hugging Face spell them).
FILL_MODELS = re.compile(r"coder|codellama|code-llama|starcoder|codestral|codegemma|stable-code|granite-code",
                         re.IGNORECASE)

SYSTEM = (
    "You are the inline code completion of a Jupyter notebook editor. Reply with exactly the text to "
    f"insert at {CURSOR}: the continuation only. No explanation, no Markdown code fences, and do not "
    f"repeat the code before or after {CURSOR}. Keep it short (a few lines at most); if nothing "
    "useful fits, reply with an empty answer."
)

_COMMENT = {"python": "#", "r": "#", "julia": "#", "bash": "#", "sh": "#", "ruby": "#", "perl": "#",
            "sql": "--", "lua": "--", "haskell": "--", "javascript": "//", "typescript": "//", "java": "//",
            "c": "//", "cpp": "//", "c++": "//", "go": "//", "rust": "//", "scala": "//", "kotlin": "//"}


def uses_fill(model: ModelRef, settings: Settings) -> bool:
    """Whether `model` gets fill-in-the-middle (an OpenAI-compatible code model) or the chat prompt."""
    return model.provider in settings.providers and settings.wire(model.provider) == "openai" \
        and bool(FILL_MODELS.search(model.model))


def max_tokens_for(max_lines: int, settings: Settings) -> int:
    # ~25 tokens a line of code, with room for what trimming removes (fences, an echoed line).
    return min(settings.max_tokens, 40 + 25 * max_lines)


def chat_request(ctx: CompletionContext, *, model: str, max_lines: int, settings: Settings) -> ModelRequest:
    """The chat prompt: earlier cells, then the current cell with the cursor marked."""
    parts = [f"Language: {ctx.language}"]
    if ctx.cells:
        parts.append("Earlier cells of the notebook, oldest first:")
        for n, cell in enumerate(ctx.cells, start=1):
            parts.append(f"# In[{n}]:\n{cell.source}")
            if cell.output.strip():
                parts.append(f"# Out[{n}]:\n{cell.output}")
    parts.append(f"The cell being edited ({CURSOR} marks the cursor; at most {max_lines} lines of continuation):")
    parts.append(f"{ctx.prefix}{CURSOR}{ctx.suffix}")
    return ModelRequest(model=model, messages=[{"role": "user", "content": "\n\n".join(parts)}], system=SYSTEM,
                        max_tokens=max_tokens_for(max_lines, settings), temperature=0.0)


def fill_request(ctx: CompletionContext, *, model: str, max_lines: int, settings: Settings) -> ModelRequest:
    """The FIM request: earlier cells as code before the prefix, outputs as comments."""
    from ..providers.openai_fim import FillRequest

    comment = _COMMENT.get(ctx.language)
    blocks = []
    for cell in ctx.cells:
        block = cell.source
        if comment and cell.output.strip():
            block += "\n" + "\n".join(f"{comment} {line}" for line in cell.output.strip().splitlines())
        blocks.append(block)
    prompt = "\n\n".join([*blocks, ctx.prefix]) if blocks else ctx.prefix
    return FillRequest(model=model, messages=[{"role": "user", "content": prompt}], suffix=ctx.suffix,
                       max_tokens=max_tokens_for(max_lines, settings), temperature=0.0)
