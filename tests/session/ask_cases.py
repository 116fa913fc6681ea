"""One table of bad asks, spelled in each adapter's syntax, and the one error the core gives.

Each adapter's test (tests/magics/test_ask_cases.py: a real kernel; tests/session/
test_ask_cases.py: the CLI in a subprocess; tests/server/test_ask_cases.py: POST stream via
jp_fetch) runs every case and expects exactly `error` with exactly `message`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BadAsk:
    id: str
    options: list[str]  # `%%vibe` line and `vibing2-lab ask` options (the same spelling)
    body: dict[str, Any]  # the same ask as a POST stream body, without the prompt
    error: str  # the VibeError class every adapter raises
    message: str  # its message, word for word
    prompt: str = "hi"
    status: int = 400  # POST stream's HTTP status for it

    @property
    def cell(self) -> str:
        return f"%%vibe {shlex.join(self.options)}\n{self.prompt}"


CASES = [
    BadAsk("auto-with-agent", ["--auto", "--agent", "sql-expert"], {"auto": True, "agent": "sql-expert"},
           "InputError", "auto picks the agent from the prompt: do not name agents as well."),
    BadAsk("auto-with-agents", ["--auto", "--agents", "sql-expert,code-reviewer"],
           {"auto": True, "agents": ["sql-expert", "code-reviewer"]},
           "InputError", "auto picks the agent from the prompt: do not name agents as well."),
    BadAsk("chain-one-agent", ["--agents", "sql-expert", "--chain"], {"agents": ["sql-expert"], "chain": True},
           "InputError", "chain needs at least two agents."),
    BadAsk("chain-no-agent", ["--chain"], {"chain": True}, "InputError", "chain needs at least two agents."),
    BadAsk("chain-with-agent", ["--agent", "sql-expert", "--chain"], {"agent": "sql-expert", "chain": True},
           "InputError", "chain needs at least two agents."),
    BadAsk("agent-and-agents", ["--agent", "sql-expert", "--agents", "data-analyst,code-reviewer"],
           {"agent": "sql-expert", "agents": ["data-analyst", "code-reviewer"]},
           "InputError", "Give either one agent or a list of agents, not both."),
    BadAsk("unknown-agent", ["--agent", "sql-expret"], {"agent": "sql-expret"},
           "UnknownAgentError", "No agent named 'sql-expret'.", status=404),
    BadAsk("unknown-in-agents", ["--agents", "sql-expert,nope"], {"agents": ["sql-expert", "nope"]},
           "UnknownAgentError", "No agent named 'nope'.", status=404),
    # Was: POST stream answered 200 with a `start` event and nothing after it (the user's prompt stored).
    BadAsk("agent-twice", ["--agents", "sql-expert,sql-expert"], {"agents": ["sql-expert", "sql-expert"]},
           "InputError", "Agent sql-expert is listed twice; their events could not be told apart."),
    BadAsk("agent-twice-by-case", ["--agents", "sql-expert,SQL-Expert", "--chain"],
           {"agents": ["sql-expert", "SQL-Expert"], "chain": True},
           "InputError", "Agent sql-expert is listed twice; their events could not be told apart."),
    # Upper bounds (vibing2_lab/limits.py): before, each went upstream and came back as an HTTP 400.
    BadAsk("temperature-over-any-range", ["--temperature", "2.5"], {"temperature": 2.5},
           "InputError", "The ask's temperature is 2.5, outside the range providers take: 0 to 2."),
    BadAsk("temperature-over-anthropic-range", ["--temperature", "1.5"], {"temperature": 1.5},
           "InputError", "The ask's temperature is 1.5, outside anthropic's range: 0 to 1."),
    BadAsk("max-tokens-over-32-bit", ["--max-tokens", "2147483648"], {"max_tokens": 2147483648},
           "InputError", "The ask's max_tokens is 2,147,483,648; it must be from 1 to 2,147,483,647."),
    BadAsk("model-name-too-long", ["--model", "openai:" + "m" * 300], {"model": "openai:" + "m" * 300},
           "InputError", "The ask's model is 307 characters long; a model name has at most 256."),
    BadAsk("empty-prompt", [], {}, "InputError", "The prompt is empty.", prompt="   "),
    BadAsk("oversized-prompt", [], {}, "InputError",
           "The prompt is 200,001 bytes, more than max_prompt_bytes (200,000).", prompt="x" * 200_001),
    BadAsk("max-tokens-zero", ["--max-tokens", "0"], {"max_tokens": 0}, "InputError", "max_tokens must be 1 or more."),
    BadAsk("negative-temperature", ["--temperature", "-1"], {"temperature": -1.0},
           "InputError", "temperature cannot be negative."),
    BadAsk("unknown-provider", ["--model", "nowhere:model"], {"model": "nowhere:model"},
           "ConfigError", "Unknown provider 'nowhere' in model 'nowhere:model'."),
]

IDS = [case.id for case in CASES]
