"""The server extension app: a few configurable traits and the route table."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join

from .handlers import API_PREFIX, ROUTES


class Vibing2Lab(ExtensionApp):
    """vibing2-lab's Jupyter server extension (configure as `c.Vibing2Lab.<trait>`)."""

    name = "vibing2_lab"
    load_other_extensions = True

    def initialize_handlers(self) -> None:
        for pattern, handler in ROUTES:
            self.handlers.append((url_path_join(API_PREFIX, pattern), handler))
