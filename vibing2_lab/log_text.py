"""Our own loggers, whose lines quote outside text inertly.

A log line can quote a file name from an agent folder, an upstream error message, a tool's
output or a traceback through them, and the Jupyter server writes its log to the user's
terminal. `logger(name)` is `logging.getLogger(name)` with a filter that passes each record's
message, and its formatted traceback, through literal.terminal_text first, so an ESC
sequence in that text is shown, not acted on. A filter belongs to one logger (a child's
records do not pass its parent's), so every module of the package takes its logger from here.
"""

from __future__ import annotations

import logging

from .literal import terminal_text


class InertText(logging.Filter):
    """Rewrites a record whose message or traceback holds a control character a terminal acts on."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is logging's to report
            return True
        clean = terminal_text(text)
        if clean != text:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:  # formatters reuse exc_text once it is set
            record.exc_text = terminal_text(logging.Formatter().formatException(record.exc_info))
        return True


def logger(name: str) -> logging.Logger:
    """The named logger, with the InertText filter on it (once)."""
    log = logging.getLogger(name)
    if not any(isinstance(f, InertText) for f in log.filters):
        log.addFilter(InertText())
    return log
