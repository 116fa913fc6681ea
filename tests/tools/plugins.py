"""A tool provider plugged in through PROVIDER_FACTORIES, as MCP servers are."""

from __future__ import annotations

from typing import Any

from vibing2_lab.tools import Tool, ToolContext


class Explode(Tool):
    name = "mcp__boom__explode"
    description = "Always fails (a bug in a tool)."
    input_schema = {"type": "object", "properties": {"why": {"type": "string"}}}

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        raise RuntimeError(f"kaboom: {input.get('why')}")


class Echo(Tool):
    name = "mcp__boom__echo"
    description = "Echoes its input."
    input_schema = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}

    def run(self, input: dict[str, Any], ctx: ToolContext) -> str:
        return input["text"]


class Boom:
    prefix = "mcp__boom"
    listed = 0

    def tools(self) -> list[Tool]:
        Boom.listed += 1
        return [Explode(), Echo()]


def providers(settings: Any) -> list[Boom]:
    return [Boom()]
