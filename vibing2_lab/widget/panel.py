"""VibePanel: the anywidget that streams answers into a cell's output, with a Preview tab.

Traffic is kept small on purpose. The answers' metadata is a synced trait, set when the
stream starts and once at the end with the full texts (so a saved widget state is
complete). Tokens in between travel as custom messages that carry only the text that is
new since the last frame, at most `Frames.rate` frames per second whatever the token rate:
setting the whole text every frame would send quadratic bytes over a long answer.

The front end (static/*.js, joined into one module) renders Markdown as DOM nodes (never model text as HTML),
and shows generated pages only in `<iframe sandbox="allow-scripts" srcdoc=...>`; the document
arrives finished by the preview policy (vibing2_lab/preview.py), its CSP first.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import anywidget
import traitlets

if TYPE_CHECKING:
    from ..preview import PreviewPolicy

STATIC = Path(__file__).resolve().parent / "static"
WEB_FILES = (".html", ".htm", ".css", ".js", ".mjs")


ESM_PARTS = ("dom.js", "highlight.js", "markdown.js", "steps.js", "panel.js")


def panel_module() -> str:
    """The front end as one ES module: its parts joined in order (anywidget loads a single module)."""
    return "\n".join((STATIC / name).read_text(encoding="utf-8") for name in ESM_PARTS)


class VibePanel(anywidget.AnyWidget):
    """One `%%vibe` answer (or several, side by side or stacked) in a cell's output."""

    _esm = panel_module()
    _css = STATIC / "panel.css"

    mode = traitlets.Unicode("single").tag(sync=True)  # single | fanout | chain
    format = traitlets.Unicode("markdown").tag(sync=True)  # markdown | code | html | text
    status = traitlets.Unicode("streaming").tag(sync=True)  # overall: streaming | complete | error | cancelled
    kernel_id = traitlets.Unicode("").tag(sync=True)  # for the Stop button's interrupt request
    answers = traitlets.List(traitlets.Dict()).tag(sync=True)  # see answer_state()

    def view_data(self) -> dict[str, Any]:
        """The widget-view mimetype entry that keeps this widget live in an updated output."""
        data, _ = self._repr_mimebundle_()
        key = "application/vnd.jupyter.widget-view+json"
        return {key: data[key]}


def answer_state(*, agent: str | None, model: str, status: str = "streaming", text: str = "",
                 facts: list[str] | None = None, problem: str | None = None, preview: str | None = None,
                 steps: list[dict[str, Any]] | None = None) -> dict:
    """One answer as the front end reads it from the `answers` trait (steps: magics/steps.py)."""
    return {"agent": agent, "model": model, "status": status, "text": text, "facts": facts or [],
            "problem": problem, "preview": preview, "steps": steps or []}


def preview_document(text: str, project_files: Mapping[str, str] | None = None, *,
                     always: bool = False, policy: PreviewPolicy | None = None) -> str | None:
    """The page to preview for an answer: the project's files with the answer's files and edits
    applied (edits.py), inlined into one document finished by the preview policy (default:
    config.yaml's). None when the answer named no web file (unless `always`) or there is no
    HTML page at all."""
    from ..edits import apply_answer
    from ..store import inline_preview

    files = dict(project_files or {})
    change = apply_answer(text, files, name_unnamed=True)  # edits the store already applied change nothing
    if not always and not any(path.lower().endswith(WEB_FILES) for path in change.named):
        return None
    doc = inline_preview({**files, **change.files})
    if doc is None:
        return None
    if policy is None:
        from ..config import load_settings

        policy = load_settings().preview_policy()
    return policy.document(doc)


class Frames:
    """Coalesces streamed text per answer into at most `rate` custom messages per second.

    `add()` queues text; a frame goes out when 1/rate seconds have passed since the last one,
    carrying only what is new: {"type": "frame", "deltas": [[index, text]...],
    "status": [[index, status]...], "tokens": [[index, count]...]}.
    """

    def __init__(self, send: Callable[[dict[str, Any]], None], *, rate: float = 25.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.send = send
        self.interval = 1.0 / rate
        self.clock = clock
        self.last = float("-inf")
        self.pending: dict[int, list[str]] = {}
        self.statuses: dict[int, str] = {}
        self.tokens: dict[int, int] = {}
        self.sent = 0  # frames sent, for tests and benchmarks

    def add(self, index: int, text: str) -> None:
        """Queue new text of answer `index`; send a frame if one is due."""
        self.pending.setdefault(index, []).append(text)
        self.tokens[index] = self.tokens.get(index, 0) + 1
        self.maybe_flush()

    def set_status(self, index: int, status: str) -> None:
        """Answer `index` ended (or started) with `status`; sent with the next frame."""
        self.statuses[index] = status
        self.maybe_flush()

    def maybe_flush(self) -> None:
        now = self.clock()
        if now - self.last >= self.interval:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        """Send what is queued, if anything."""
        if not self.pending and not self.statuses:
            return
        frame = {"type": "frame",
                 "deltas": [[i, "".join(parts)] for i, parts in self.pending.items()],
                 "status": [[i, s] for i, s in self.statuses.items()],
                 "tokens": [[i, self.tokens[i]] for i in self.pending]}
        self.pending, self.statuses = {}, {}
        self.last = self.clock() if now is None else now
        self.sent += 1
        self.send(frame)
