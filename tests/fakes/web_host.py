"""A real HTTP server on 127.0.0.1 standing in for a CDN or an attacker's host in browser tests.

    with WebHost({"/lib.js": ("text/javascript", "window.LIB = 1;")}) as cdn:
        cdn.url            # http://127.0.0.1:PORT
        cdn.hits           # paths requested so far (every request, served or not)

Answers every file with `Access-Control-Allow-Origin: *` (a CDN does), anything else with 404.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebHost:
    def __init__(self, files: dict[str, tuple[str, str]] | None = None) -> None:
        self.files = dict(files or {})
        self.hits: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                host.hits.append(self.path)
                found = host.files.get(self.path.split("?")[0])
                body = (found[1] if found else "not here").encode()
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", found[0] if found else "text/plain")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> WebHost:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
