"""Static renderings of a `%%vibe` record: pure, deterministic functions of the record alone.

    render_bundle(record) -> {"text/plain": ..., "text/markdown": ..., "text/html": ...}

The saved notebook carries this bundle beside the live widget, so it reads well on GitHub,
nbviewer, VS Code or with no kernel; replay and `projects export` call the same function,
so the same record always gives the same bytes. Nothing here reads the clock, the
environment or the store.

Model output is untrusted: the HTML is script-free (raw HTML in an answer is escaped, links
are limited to safe schemes, images become links so nothing loads by itself), and the
Markdown has raw HTML outside code made literal and javascript:/vbscript:/data: link targets
made inert (md_links.py), because JupyterLab trusts the outputs of cells it ran. The record's optional `format` ("markdown" default, "code", "html", "text")
is honoured: "text" leaves Markdown out and shows the answer preformatted. Tool steps
(toolsteps.py) sit in the text where the model called them: a quoted header with the
input and result in code fences (Markdown), a collapsed <details> (HTML).

Markdown, three ways (on purpose): an answer's Markdown is rendered
    - here, with mistune, into the saved text/html: it must work with no front end at all
      (GitHub, nbviewer, VS Code, a closed kernel), so it is Python and deterministic;
    - by the widget (widget/static/markdown.js) while it streams: anywidget has no rendermime
      and must work offline, and it re-renders only the blocks that changed, as DOM nodes;
    - by JupyterLab's rendermime in the sidebar (labextension/markdown.ts): the Lab's own
      sanitizer and look, beside the notebook.
The first two must agree: tests/magics/test_markdown_renderers.py renders one corpus
(tests/magics/markdown_corpus.py) with both and compares the structure. Fenced code blocks
are found by one scanner, vibing2_lab/fences.py, shared with the generated files.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from .. import fences
from ..literal import markdown_text, terminal_text
from .md_code import code_spans
from .md_links import disarm_links
from .safe_html import markdown_to_html
from .toolsteps import pieces, step_html, step_markdown, step_text, tool_steps

if TYPE_CHECKING:
    from ..errors import VibeError

STATIC_MIMETYPES = ("text/plain", "text/markdown", "text/html")
CODE_LANGUAGES = ("", "python", "py", "python3", "ipython", "ipython3")  # preferred by --format code

# -- one call's facts ------------------------------------------------------------------------------
def _call_parts(call: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return dict(call.get("request") or {}), dict(call.get("response") or {})


def call_title(call: Mapping[str, Any]) -> str:
    """The agent name (or "answer" for a plain model call)."""
    request, _ = _call_parts(call)
    agent = request.get("agent") or {}
    return str(agent.get("name") or "answer")


def call_facts(call: Mapping[str, Any]) -> list[str]:
    """Model, status, elapsed, tokens and cost of a call, as short display strings."""
    request, response = _call_parts(call)
    facts = []
    if request.get("provider") and request.get("model"):
        facts.append(f"{request['provider']}:{request['model']}")
    facts.append(str(response.get("status") or "complete"))
    duration = (response.get("timings") or {}).get("duration")
    if isinstance(duration, (int, float)) and duration > 0:
        facts.append(f"{duration:.1f} s elapsed")
    usage = response.get("usage") or {}
    if usage.get("input_tokens") or usage.get("output_tokens"):
        tokens_in, tokens_out = int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
        facts.append(f"{tokens_in:,} in / {tokens_out:,} out tokens")
    cost = response.get("cost_usd")
    if isinstance(cost, (int, float)):
        facts.append("<$0.0001" if 0 < cost < 0.0001 else f"${cost:.4f}")
    return facts


def call_problem(call: Mapping[str, Any]) -> str | None:
    """One line saying why a call did not complete, or None if it did."""
    _, response = _call_parts(call)
    status = response.get("status") or "complete"
    if status == "complete":
        return None
    error = response.get("error") or {}
    if status == "cancelled":
        return "Stopped before the answer was complete; the partial answer is shown."
    return f"Error ({error.get('kind') or 'error'}): {error.get('message') or 'the call failed'}"


# -- Markdown text helpers -------------------------------------------------------------------------
def close_fences(text: str) -> str:
    """`text` with a closing fence added if it stops inside a code block (a cut-off answer)."""
    unclosed = ""
    for line in fences.scan(text):
        unclosed = line.fence if line.kind in ("open", "code") else ""
    return text.rstrip("\n") + "\n" + unclosed if unclosed else text


def escape_markdown_html(text: str) -> str:
    """Raw HTML outside code made literal (`<` → `&lt;`), so no renderer runs model-made tags, and
    link targets a browser would run made inert (md_links.py)."""
    out = []
    for scanned in fences.scan(disarm_links(text)):
        line = scanned.text
        if scanned.kind != "text":
            out.append(line)
            continue
        pieces, last = [], 0
        for start, end in code_spans(line):
            pieces += [line[last:start].replace("<", "&lt;"), line[start:end]]
            last = end
        pieces.append(line[last:].replace("<", "&lt;"))
        out.append("".join(pieces))
    return "\n".join(out)


def code_blocks(text: str) -> list[tuple[str, str]]:
    """Every closed fenced code block of `text` as (language, code)."""
    blocks: list[tuple[str, str]] = []
    body: list[str] = []
    for line in fences.scan(text):
        if line.kind == "open":
            body = []
        elif line.kind == "code":
            body.append(line.text)
        elif line.kind == "close":
            blocks.append((line.language, "\n".join(body)))
    return blocks


def code_to_insert(record: Mapping[str, Any]) -> str | None:
    """The code `--format code` puts in a new cell: the Python blocks (else all blocks) of the
    answer that counts (the last complete one of a chain, the first complete one otherwise)."""
    calls = [c for c in record.get("calls") or [] if _call_parts(c)[1].get("status") == "complete"]
    if not calls:
        return None
    call = calls[-1] if record.get("mode") == "chain" else calls[0]
    blocks = code_blocks(str(_call_parts(call)[1].get("text") or ""))
    chosen = [code for lang, code in blocks if lang in CODE_LANGUAGES] or [code for _, code in blocks]
    return "\n\n".join(chosen) if chosen else None


# -- the three renderings --------------------------------------------------------------------------
def _body(response: Mapping[str, Any], text: Callable[[str], str], step: Callable[[dict[str, Any]], str],
          sep: str) -> str:
    """An answer's text with its tool steps where the model called them (toolsteps.py); an
    answer without steps renders exactly as before steps existed (old records replay alike)."""
    answer = str(response.get("text") or "")
    steps = tool_steps(response)
    if not steps:
        return text(answer)
    return sep.join(text(value) if kind == "text" else step(value) for kind, value in pieces(answer, steps))


def render_text(record: Mapping[str, Any]) -> str:
    """text/plain: each answer under a header line with its facts."""
    parts = []
    for call in record.get("calls") or []:
        _, response = _call_parts(call)
        head = " · ".join([call_title(call), *call_facts(call)])
        body = _body(response, str, step_text, "\n")
        problem = call_problem(call)
        parts.append(f"── {head} ──\n{body}" + (f"\n[{problem}]" if problem else ""))
    # A terminal prints text/plain as it is (IPython, jupyter console): controls shown inertly.
    return terminal_text("\n\n".join(parts)) if parts else "(no answer)"


def render_markdown(record: Mapping[str, Any]) -> str:
    """text/markdown: each answer's text (raw HTML made literal) under a line of facts."""
    parts = []
    for call in record.get("calls") or []:
        _, response = _call_parts(call)
        head = f"**{markdown_text(call_title(call))}** · " + " · ".join(
            markdown_text(f) for f in call_facts(call))
        problem = call_problem(call)
        note = f"\n\n> **{markdown_text(problem)}**" if problem else ""
        body = _body(response, lambda text: escape_markdown_html(close_fences(text)).strip("\n"),
                     lambda step: step_markdown(step, markdown_text), "\n\n")
        parts.append(f"{head}{note}\n\n{body}".rstrip())
    return "\n\n---\n\n".join(parts) + "\n" if parts else "*(no answer)*\n"


def render_html(record: Mapping[str, Any]) -> str:
    """text/html: script-free; model HTML escaped, code highlighted with inline styles."""
    as_text = record.get("format") == "text"
    sections = []
    for call in record.get("calls") or []:
        _, response = _call_parts(call)
        status = html.escape(str(response.get("status") or "complete"))
        facts = " · ".join(html.escape(f) for f in call_facts(call))
        head = f'<p class="vibing2-lab-meta"><strong>{html.escape(call_title(call))}</strong> · {facts}</p>'
        problem = call_problem(call)
        note = f'<p class="vibing2-lab-problem"><strong>{html.escape(problem)}</strong></p>' if problem else ""
        body = _body(response, (lambda text: f"<pre>{html.escape(text)}</pre>") if as_text
                     else (lambda text: markdown_to_html(close_fences(text))), step_html, "")
        sections.append(f'<section class="vibing2-lab-answer" data-vibe-status="{status}">\n'
                        f"{head}\n{note}{body}</section>")
    mode = html.escape(str(record.get("mode") or "single"))
    return f'<div class="vibing2-lab-record" data-vibe-mode="{mode}">\n' + "\n".join(sections) + "\n</div>\n"


def render_bundle(record: Mapping[str, Any]) -> dict[str, str]:
    """The static mimetypes of a record's output: text/plain, text/markdown (unless the
    format is "text") and a script-free text/html."""
    bundle = {"text/plain": render_text(record), "text/html": render_html(record)}
    if record.get("format") != "text":
        bundle["text/markdown"] = render_markdown(record)
    return {key: bundle[key] for key in STATIC_MIMETYPES if key in bundle}


# -- tables for `%vibe` listings -------------------------------------------------------------------
def table_bundle(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, caption: str = "") -> dict[str, str]:
    """A table as text/plain (aligned columns) and escaped text/html."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()  # noqa: E731
    plain = [line(list(columns)), line(["-" * w for w in widths]), *map(line, cells)]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in cells)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return {"text/plain": terminal_text(((caption + "\n") if caption else "") + "\n".join(plain)),
            "text/html": f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"}


def short_traceback(exc: VibeError) -> list[str]:
    """The traceback lines a failed `%%vibe` cell shows: the error and how to fix it, not 40
    frames of the library (IPython's `_render_traceback_`)."""
    from ..errors import CancelledError, ProviderError

    lines = [f"\x1b[0;31m{type(exc).__name__}\x1b[0m: {exc.message}"]
    if exc.hint:
        lines.append(f"How to fix: {exc.hint}")
    if isinstance(exc, ProviderError) and exc.partial_text and not isinstance(exc, CancelledError):
        lines.append(f"The partial answer ({len(exc.partial_text):,} characters) is kept in the output above.")
    return lines


def error_output(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The error output a `%%vibe` cell leaves after its record when an answer failed (the
    first failure, as Session.raise_for_error raises it); None when every answer completed."""
    from ..providers import error_from_event
    from .record import final_event

    for call in record["calls"]:
        event = final_event(call)
        if event.type == "error":
            exc = error_from_event(event)  # type: ignore[arg-type]
            return {"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc),
                    "traceback": short_traceback(exc)}
    return None
