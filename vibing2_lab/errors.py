"""The one error tree. Every error says what failed, why, and how to fix it.

    VibeError                       base; `.hint` holds the how-to-fix text
    ├── ConfigError                 config.yaml or environment is invalid
    ├── KeyMissingError             no API key for a provider
    ├── AgentError                  an agent file or name is bad
    │   └── UnknownAgentError       no agent of that name (suggests close names)
    ├── ProjectError                a project name or id is bad
    │   ├── UnknownProjectError
    │   └── UnknownFileError        no file of that path in the project
    ├── StoreError                  the database refused an operation
    ├── ExportError                 an export path escapes its folder, or a file is bad
    ├── ReplayError                 replay found no record or a changed agent
    ├── InputError                  a prompt or argument is invalid (e.g. oversized)
    ├── BudgetError                 a request would cross a spending limit: nothing was sent
    ├── ToolError                   a tool call failed; becomes an error tool_result, the loop goes on
    │   ├── ToolInputError          the model's input does not fit the tool's schema
    │   ├── OutsideWorkdirError     a path leaves the working directory (absolute, `..`, symlink)
    │   └── McpServerError          an MCP server did not start, answer in time, or broke (names it)
    ├── StepLimitError              an agent was still calling tools at tools.max_steps requests
    └── ProviderError               a model call failed; carries the partial text
        ├── AuthError               401/403: the key is wrong (names its source, never the key)
        ├── RateLimitError          429 after all retries
        ├── OverloadedError         529 / overloaded_error after all retries
        ├── ServerError             5xx after all retries, or a mid-stream error event
        ├── StreamTimeoutError      connect or idle timeout
        ├── ConnectError            could not reach the endpoint
        ├── ProtocolError           malformed stream (bad JSON, unexpected event)
        └── CancelledError          the user stopped the stream
"""

from __future__ import annotations


class VibeError(Exception):
    """Base of every vibing2-lab error; `str()` is the message plus how to fix it."""

    kind = "error"

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip() if self.hint else self.message


class ConfigError(VibeError):
    kind = "config"


class KeyMissingError(VibeError):
    kind = "key_missing"


class AgentError(VibeError):
    kind = "agent"


class UnknownAgentError(AgentError):
    kind = "unknown_agent"


class ProjectError(VibeError):
    kind = "project"


class UnknownProjectError(ProjectError):
    kind = "unknown_project"


class UnknownFileError(ProjectError):
    kind = "unknown_file"


class StoreError(VibeError):
    kind = "store"


class ExportError(VibeError):
    kind = "export"


class ReplayError(VibeError):
    kind = "replay"


class InputError(VibeError):
    kind = "input"


class BudgetError(VibeError):
    kind = "budget"


class ToolError(VibeError):
    kind = "tool"


class ToolInputError(ToolError):
    kind = "tool_input"


class OutsideWorkdirError(ToolError):
    kind = "outside_workdir"


class McpServerError(ToolError):
    """An MCP server failed; `server` is its name in config.yaml."""

    kind = "mcp"

    def __init__(self, message: str, *, server: str, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.server = server


class StepLimitError(VibeError):
    kind = "step_limit"


class ProviderError(VibeError):
    """A model call failed. `partial_text` keeps whatever streamed before the failure."""

    kind = "provider"

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        partial_text: str = "",
        status_code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.partial_text = partial_text
        self.status_code = status_code
        self.request_id = request_id


class AuthError(ProviderError):
    kind = "auth"


class RateLimitError(ProviderError):
    kind = "rate_limit"


class OverloadedError(ProviderError):
    kind = "overloaded"


class ServerError(ProviderError):
    kind = "server"


class StreamTimeoutError(ProviderError):
    kind = "timeout"


class ConnectError(ProviderError):
    kind = "connect"


class ProtocolError(ProviderError):
    kind = "protocol"


class CancelledError(ProviderError):
    kind = "cancelled"
