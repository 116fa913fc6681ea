"""The stored conversation of a project, as the turns a provider accepts."""

from __future__ import annotations

from typing import Any


def conversation_messages(history: list[Any]) -> list[dict[str, str]]:
    """Stored messages → what a provider accepts: alternating user/assistant turns, starting
    with the user, without a dangling unanswered prompt, several agents' answers merged
    in the order the agents were asked (fan-out answers are stored as they finish)."""
    turns: list[dict[str, Any]] = []
    for message in history:
        if message.role not in ("user", "assistant") or not message.content.strip():
            continue
        if turns and turns[-1]["role"] == message.role:
            turns[-1]["parts"].append((message.agent, message.content))
        else:
            order = list((message.meta or {}).get("agents") or []) if message.role == "user" else []
            turns.append({"role": message.role, "parts": [(message.agent, message.content)], "order": order})
    while turns and turns[0]["role"] != "user":
        turns.pop(0)
    if turns and turns[-1]["role"] == "user":
        turns.pop()
    for asked, answered in zip(turns[::2], turns[1::2]):
        order = asked["order"]
        answered["parts"].sort(key=lambda part: order.index(part[0]) if part[0] in order else len(order))
    return [{"role": t["role"], "content": _join(t["parts"])} for t in turns]


def _join(parts: list[tuple[str | None, str]]) -> str:
    if len(parts) == 1:
        return parts[0][1]
    return "\n\n".join(f"[{agent}]\n{text}" if agent else text for agent, text in parts)

