"""The kernel's stdin channel: the one way a running `%%vibe` cell can hear from the front end.

Why stdin and not a widget message: while a cell runs, ipykernel handles no shell-channel
message, so a comm message from a button (`model.send`) is read only after the cell ends
(TOOLCHAIN.md, "Widget streaming"). The stdin channel is different: `input_request` goes out
on its own socket and the kernel polls for the `input_reply` while the cell still runs.
JupyterLab shows an input box (`.jp-Stdin-input`) in the cell's output area; the panel's
buttons fill that box and press Enter (static/tools.js), and a person may type there too.

Each question carries a short token in its prompt (`[vibe:1a2b3c4d]`) so the panel answers
only the box that belongs to the question it shows, never a stale one.

Where nobody can answer (nbclient and other clients that send `allow_stdin: false`, or no
kernel at all) `ask` raises NoStdin at once: callers deny or refuse, nothing waits.

The wait polls the stdin socket like ipykernel's own `raw_input`, so Stop / Ctrl+C
(a kernel interrupt) raises KeyboardInterrupt in the cell's thread; a fan-out agent asks
from a worker thread, which an interrupt cannot reach, so the wait also ends when the cell
`close()`s this channel (the cell always does on its way out).
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

POLL_SECONDS = 0.05


class NoStdin(Exception):
    """Nobody can answer on this kernel's stdin (nbclient's allow_stdin=False, no kernel)."""


class StdinClosed(Exception):
    """The cell ended (stopped) while a question was still open."""


def new_token() -> str:
    return secrets.token_hex(4)


def tagged(prompt: str, token: str) -> str:
    """The prompt as sent: the token first, so the panel can match the box to its question."""
    return f"[vibe:{token}] {prompt}"


class KernelStdin:
    """One cell's stdin channel, captured in the cell's thread so any thread can ask on it."""

    def __init__(self, shell: Any) -> None:
        kernel = getattr(shell, "kernel", None)
        self.kernel = kernel
        # The flag and parent belong to the execute_request of this cell: read them here, in
        # the cell's own thread and context, not later from an agent's worker thread.
        self.allowed = bool(kernel is not None and getattr(kernel, "_allow_stdin", False))
        self.parent = kernel.get_parent("shell") if self.allowed else None
        self.ident = _ident(kernel) if self.allowed else None
        self.asked = 0  # questions sent: the front end shows a box for each (the cell tidies its output then)
        self._closed = threading.Event()
        self._lock = threading.Lock()  # one open question at a time on one socket

    def close(self) -> None:
        self._closed.set()

    def ask(self, prompt: str, token: str) -> str:
        """Send `prompt` (tagged with `token`) and wait for the answer line."""
        if not self.allowed:
            raise NoStdin("this front end does not answer input requests")
        with self._lock:
            if self._closed.is_set():
                raise StdinClosed("the cell has ended")
            text = tagged(prompt, token)
            self.asked += 1  # counted before the wait: a box left open by a Stop is tidied too
            if self.ident is None or not hasattr(self.kernel, "stdin_socket"):
                return self.kernel.raw_input(text)  # an unusual kernel: its own (interruptible) wait
            return self._request(text)

    def _request(self, prompt: str) -> str:
        """ipykernel's `_input_request`, with a way out when the cell closes the channel."""
        import zmq

        kernel = self.kernel
        socket = kernel.stdin_socket
        while True:  # drop replies to earlier questions (a box answered after a Stop)
            try:
                socket.recv_multipart(zmq.NOBLOCK)
            except zmq.ZMQError:
                break
        kernel.session.send(socket, "input_request", {"prompt": prompt, "password": False}, self.parent,
                            ident=self.ident)
        while not self._closed.is_set():
            readable, _, failed = zmq.select([socket], [], [socket], POLL_SECONDS)
            if readable or failed:
                _, reply = kernel.session.recv(socket)
                if reply is not None:
                    value = (reply.get("content") or {}).get("value")
                    return value if isinstance(value, str) else ""
        raise StdinClosed("the cell ended before the question was answered")


def _ident(kernel: Any) -> Any:
    """The zmq identity of the client that sent this cell (ipykernel keeps it per shell context)."""
    var = getattr(kernel, "_shell_parent_ident", None)
    getter = getattr(kernel, "_get_shell_context_var", None)
    if var is None or getter is None:
        return None
    try:
        return getter(var)
    except Exception:  # another ipykernel layout: fall back to kernel.raw_input
        return None
