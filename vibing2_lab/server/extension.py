"""The server extension app: configurable traits on top of config.yaml, and the route table.

    c.Vibing2Lab.default_model = "anthropic:claude-haiku-4-5"   # overrides config.yaml
    c.Vibing2Lab.max_prompt_bytes = 50_000
    c.Vibing2Lab.allowed_models = ["anthropic:*", "openai:llama3.1"]
    c.Vibing2Lab.max_concurrent_streams = 32
    c.Vibing2Lab.max_body_bytes = 4 * 1024 * 1024  # larger JSON bodies answer 413
    c.Vibing2Lab.consent_timeout = 300.0     # s a sidebar tool call waits for Allow / Deny
    c.Vibing2Lab.client_stall_timeout = 60.0 # s a stream waits for a client that stopped reading
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import Float, Int, List, Unicode

from .handlers import API_PREFIX, ROUTES
from .streams import StreamRegistry

SHUTDOWN_WAIT = 5.0  # seconds a shutdown waits for live streams to store their partial answers

if TYPE_CHECKING:
    from ..completion import Completer
    from ..config import Settings


class Vibing2Lab(ExtensionApp):
    """vibing2-lab's Jupyter server extension (configure as `c.Vibing2Lab.<trait>`)."""

    name = "vibing2_lab"
    load_other_extensions = True

    default_model = Unicode(None, allow_none=True, config=True,
                            help="Model (provider:model or alias) used when neither the request nor the agent "
                                 "names one. Overrides default_model in config.yaml.")
    max_prompt_bytes = Int(None, allow_none=True, min=1, config=True,
                           help="Largest prompt accepted, in UTF-8 bytes. Overrides config.yaml.")
    allowed_models = List(Unicode(), default_value=[], config=True,
                          help="If not empty, the only models streams may use: provider:model ids, aliases, or "
                               "shell-style patterns such as 'anthropic:*'.")
    max_body_bytes = Int(4 * 1024 * 1024, min=1024, config=True,
                         help="Largest JSON request body accepted, in bytes (more answers 413). Checking a body "
                              "costs time in proportion to its size; files and prompts are far smaller.")
    max_concurrent_streams = Int(32, min=1, config=True, help="Streams running at once; more answer 429.")
    consent_timeout = Float(300.0, min=0.01, config=True,
                            help="Seconds a tool-using stream waits for the user's consent in the sidebar; "
                                 "no answer by then denies the call (the model is told).")
    heartbeat_interval = Float(15.0, min=0.01, config=True,
                               help="Seconds between SSE keep-alive comments (they also reveal clients that left).")
    client_stall_timeout = Float(60.0, min=0.01, config=True,
                                 help="Seconds a stream waits for a client that reads nothing of what is queued "
                                      "for it (over 1 MiB); then it is treated as gone: the answer stops and its "
                                      "partial text is stored as cancelled.")

    database_url = Unicode(None, allow_none=True, config=True,
                           help="postgresql://... : keep projects in PostgreSQL (sets VIBING2_LAB_DATABASE_URL for"
                                " the server and the kernels it starts; unset: the SQLite file).")

    streams: StreamRegistry
    completer: Completer  # inline completions: cache and counters
    completions_live = 0

    def initialize_settings(self) -> None:
        from ..completion import Completer

        self.streams = StreamRegistry(limit=self.max_concurrent_streams)
        if self.database_url:  # one place decides the engine: the environment every Store.open reads
            import os

            from ..paths import DATABASE_URL_ENV

            os.environ[DATABASE_URL_ENV] = self.database_url
        self.completer = Completer()
        self._warm_up()

    def _warm_up(self) -> None:
        """Import the streaming stack in a thread once the server runs, so that the first answer
        does not wait ~0.2 s for aiohttp and the session modules (start-up does not either)."""
        import asyncio
        import importlib

        def load() -> None:
            for name in ("vibing2_lab.providers._aionet", "vibing2_lab.session", "vibing2_lab.providers.anthropic",
                         "vibing2_lab.providers.openai_compat"):
                try:
                    importlib.import_module(name)
                except Exception:  # a broken install shows itself on the first stream, with its error
                    self.log.debug("vibing2-lab: warm-up import of %s failed", name, exc_info=True)

        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            return
        loop.call_later(0.5, lambda: loop.run_in_executor(None, load))

    def initialize_handlers(self) -> None:
        for pattern, handler in ROUTES:
            self.handlers.append((url_path_join(API_PREFIX, pattern), handler))

    async def stop_extension(self) -> None:
        """Server shutdown (SIGTERM, Ctrl+C): cancel the live streams and wait, boundedly, until each
        has stored its partial answer: the loop stops right after this returns."""
        stopped = self.streams.stop_all("shutdown")
        if stopped:
            done = await self.streams.wait_closed(SHUTDOWN_WAIT)
            self.log.info("vibing2-lab: stopped %d live stream(s)%s", stopped,
                          "" if done else f"; some did not end within {SHUTDOWN_WAIT:g} s")
        import sys

        # The model connections this loop pooled. The warm-up thread may still be importing the
        # module (it is in sys.modules half made): then no session can exist yet.
        close = getattr(sys.modules.get("vibing2_lab.providers._aionet"), "close_sessions", None)
        if close is not None:
            await close()

    def settings_for_request(self) -> Settings:
        """Settings from config.yaml and the environment, with this extension's traits on top."""
        from ..config import load_settings

        settings = load_settings()
        if self.default_model:
            settings.default_model = self.default_model
        if self.max_prompt_bytes is not None:
            settings.max_prompt_bytes = self.max_prompt_bytes
        return settings
