"""Library logs scrubbed of the secrets this process sends: httpx, httpcore and aiohttp log URLs
and raw upstream headers at debug level, and a key must never reach a log (keys.py has the rest
of the rule: where keys come from, and the Redactor)."""

from __future__ import annotations

import logging

from .keys import Redactor

_IN_USE: set[str] = set()  # every secret a call of this process sent: third-party logs are scrubbed of them
_IN_USE_REDACTOR = Redactor()


def remember_secrets(*secrets: str | None) -> None:
    """Note secrets this process sends, so `LogRedaction` removes them from library logs."""
    global _IN_USE_REDACTOR
    new = {s for s in secrets if s} - _IN_USE
    if new:
        _IN_USE.update(new)
        _IN_USE_REDACTOR = Redactor(*_IN_USE)


class LogRedaction(logging.Filter):
    """A filter for libraries' loggers (httpx, httpcore) that log URLs and raw upstream headers."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is logging's to report, not ours to raise into httpx
            return True
        clean = _IN_USE_REDACTOR(text)
        if clean != text:
            record.msg, record.args = clean, None
        return True


def guard_logs(*names: str) -> None:
    """Put a LogRedaction on these loggers (once); a filter applies to its own logger only."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, LogRedaction) for f in logger.filters):
            logger.addFilter(LogRedaction())
