"""`vibing2-lab ask`: stream a model's answer to stdout (or one JSON event per line)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, TextIO

from ..errors import VibeError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="ask a model; the answer streams to stdout",
                       description="Ask a model. The answer streams to stdout as it arrives.")
    p.add_argument("prompt", metavar="PROMPT", help='the prompt; "-" reads it from stdin')
    p.add_argument("-m", "--model", metavar="PROVIDER:MODEL", help="model id or alias (default: config)")
    p.add_argument("--system", metavar="TEXT", help="system prompt")
    p.add_argument("--json", action="store_true", help="one JSON event per line (token, tool_use, complete, error)")
    p.add_argument("--max-tokens", type=int, metavar="N")
    p.add_argument("--temperature", type=float, metavar="T")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--agent", metavar="NAME", help="ask this agent")
    who.add_argument("--auto", action="store_true", help="let vibing2-lab pick the agent")
    who.add_argument("--agents", metavar="A,B", help="ask several agents (in parallel, or --chain)")
    p.add_argument("--chain", action="store_true", help="with --agents: each agent gets the previous answer")
    p.add_argument("--project", metavar="NAME", help="continue this project's conversation")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..config import load_settings
    from ..models import resolve_model
    from ..providers import StreamInterrupted, error_from_event, get_provider, prompt_request

    if args.agent or args.auto or args.agents or args.chain or args.project:
        raise VibeError("agents are not available yet")
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    settings = load_settings()
    ref = resolve_model(args.model, settings=settings)
    request = prompt_request(prompt, model=ref.model, settings=settings, system=args.system,
                             max_tokens=args.max_tokens, temperature=args.temperature)
    render = JsonLines(sys.stdout) if args.json else PlainText(sys.stdout)
    final: Any = None
    shown: list[str] = []
    try:
        for final in get_provider(ref.provider, settings=settings).stream(request):
            render(final)
            if final.type == "token":
                shown.append(final.text)
    except KeyboardInterrupt as exc:
        # Ctrl+C inside the stream carries the final event; one that lands while we are
        # rendering does not, so the event is rebuilt from the text shown so far.
        event = exc.event if isinstance(exc, StreamInterrupted) else _cancelled(ref, "".join(shown))
        render(event)
        raise
    if final is not None and final.type == "error":
        raise error_from_event(final)
    return 0


def _cancelled(ref: Any, text: str) -> Any:
    from ..events import ErrorEvent

    return ErrorEvent(kind="cancelled", message="Interrupted.", partial_text=text, status="cancelled",
                      provider=ref.provider, model=ref.model)


class PlainText:
    """Answer text as it arrives, flushed per token; a final newline; tool calls on their own line."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.at_line_start = True
        self._by_type: dict[str, Callable[[Any], None]] = {
            "token": self._token, "tool_use": self._tool_use, "complete": self._end, "error": self._end}

    def __call__(self, event: Any) -> None:
        self._by_type[event.type](event)

    def _write(self, text: str) -> None:
        if text:
            self.out.write(text)
            self.out.flush()
            self.at_line_start = text.endswith("\n")

    def _token(self, event: Any) -> None:
        self._write(event.text)

    def _tool_use(self, event: Any) -> None:
        self._write(("" if self.at_line_start else "\n") + f"[tool_use {event.name} {json.dumps(event.input)}]\n")

    def _end(self, event: Any) -> None:
        if not self.at_line_start:  # the error line (stderr) starts on a line of its own
            self._write("\n")


class JsonLines:
    """Each event as one JSON object per line (`events.to_dict`), flushed at once."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, event: Any) -> None:
        from ..events import to_dict

        self.out.write(json.dumps(to_dict(event), ensure_ascii=False) + "\n")
        self.out.flush()
