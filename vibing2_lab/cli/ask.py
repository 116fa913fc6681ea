"""`vibing2-lab ask`: stream a model's answer to stdout (or one JSON event per line)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO



def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="ask a model; the answer streams to stdout",
                       description="Ask a model. The answer streams to stdout as it arrives.")
    p.add_argument("prompt", metavar="PROMPT", help='the prompt; "-" reads it from stdin')
    p.add_argument("-m", "--model", metavar="PROVIDER:MODEL", help="model id or alias (default: config)")
    p.add_argument("--system", metavar="TEXT", help="system prompt")
    p.add_argument("--json", action="store_true", help="one JSON event per line (token, tool_use, complete, error)")
    p.add_argument("--max-tokens", type=int, metavar="N")
    p.add_argument("--temperature", type=float, metavar="T")
    # --agent, --auto and --agents exclude each other: the core says so (session/ask.py),
    # with the same message as %%vibe and POST stream.
    p.add_argument("--agent", metavar="NAME", help="ask this agent")
    p.add_argument("--auto", action="store_true", help="let vibing2-lab pick the agent")
    # `--auto=model` spelled out as its own option (argparse matches a whole option string first),
    # so a bare `--auto PROMPT` keeps meaning "pick from this prompt".
    p.add_argument("--auto=model", dest="auto_rank", action="store_const", const="model", default=None,
                   help="--auto, with the fast tier's model re-ranking the local top 5 (see config.yaml `auto`)")
    p.add_argument("--agents", metavar="A,B", help="ask several agents (in parallel, or --chain)")
    p.add_argument("--chain", action="store_true", help="with --agents: each agent gets the previous answer")
    p.add_argument("--project", metavar="NAME", help="continue this project's conversation")
    p.add_argument("--max-cost", type=float, metavar="USD",
                   help="refuse (or shorten) requests that could take this ask past USD, all steps and agents")
    p.add_argument("--allow", metavar="TOOL[,TOOL]",
                   help="pre-approve these tools (names or mcp__<server>) for this ask; others that need "
                        "consent are asked y/N on the terminal, or denied without one")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..providers import StreamInterrupted
    from ..session import Ask, Session
    from ..textstream import TextStream
    from ..tools import ToolContext

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    auto = args.auto or args.auto_rank is not None
    ask = Ask(prompt, project=args.project, agent=args.agent, agents=args.agents or (), auto=auto,
              auto_rank=args.auto_rank, chain=args.chain,
              model=args.model, system=args.system, max_tokens=args.max_tokens, temperature=args.temperature,
              project_dir=Path.cwd(), allow=args.allow or (), max_cost=args.max_cost)
    session = Session(ask, tool_context=ToolContext(Path.cwd()), consent=_consent(args))
    render = JsonLines(sys.stdout) if args.json else TextStream(sys.stdout, several=len(session.agents) > 1)
    if session.pick is not None and not args.json:
        print(f"[auto] {session.pick.agent.name}: {'; '.join(session.pick.reasons[:3])}", file=sys.stderr)
    try:
        for event in session.stream():
            render(event)
    except KeyboardInterrupt as exc:
        # The session has kept (and stored) every partial answer as cancelled: show them.
        for call in session.calls:
            if call.status == "cancelled" and call.final is not None:
                render(call.final)
        if not session.calls and isinstance(exc, StreamInterrupted):
            render(exc.event)
        raise
    session.raise_for_error()
    return 0


def _consent(args: argparse.Namespace) -> Any:
    """y/N on the terminal when there is one to ask on (the prompt did not come through stdin)."""
    from ..tools import nobody_to_ask, tty_consent

    return nobody_to_ask if args.prompt == "-" else tty_consent()


class JsonLines:
    """Each event as one JSON object per line (`events.to_dict`), flushed at once."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, event: Any) -> None:
        from ..events import to_dict

        self.out.write(json.dumps(to_dict(event), ensure_ascii=False) + "\n")
        self.out.flush()
