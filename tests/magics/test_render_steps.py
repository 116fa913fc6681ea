"""Tool steps in the static rendering: in the text where the model called them, readable,
escaped, deterministic; an answer without steps renders as it did before tools existed."""

from __future__ import annotations

import copy

from tests.magics.test_render import Tags, call, record
from vibing2_lab.notebook.render import render_bundle
from vibing2_lab.notebook.toolsteps import pieces, tool_steps

FIRST = "Let me look at the data."
SECOND = "\n\nThe mean is 2.0 and I may not write the file."


def steps_response() -> dict:
    """A response shaped like the tool loop records it (session/loop.py): one entry per request."""
    return {"steps": [
        {"text": FIRST, "stop_reason": "tool_use", "usage": {},
         "tool_uses": [{"id": "t1", "name": "Python", "input": {"code": "print(df.x.mean())\n```evil```"}},
                       {"id": "t2", "name": "Write", "input": {"file_path": "out.txt", "content": "<b>x</b>"}}],
         "results": [{"id": "t1", "name": "Python", "input": {}, "status": "ok", "content": "stdout:\n2.0",
                      "consent": {"verdict": "once", "by": "allow-flag", "reason": ""}, "duration": 0.25},
                     {"id": "t2", "name": "Write", "input": {}, "status": "denied",
                      "content": "Denied: nobody could be asked. The tool did not run.",
                      "consent": {"verdict": "deny", "by": "nobody", "reason": "x"}, "duration": 0.0}]},
        {"text": SECOND, "stop_reason": "end_turn", "usage": {}, "tool_uses": [], "results": []}]}


def test_steps_are_cut_into_the_text_where_the_model_called_them() -> None:
    response = steps_response()
    steps = tool_steps(response)
    assert [(s["name"], s["status"], s["at"]) for s in steps] == [("Python", "ok", len(FIRST)),
                                                                   ("Write", "denied", len(FIRST))]
    kinds = [(kind, value if kind == "text" else value["id"]) for kind, value in pieces(FIRST + SECOND, steps)]
    assert kinds == [("text", FIRST), ("step", "t1"), ("step", "t2"), ("text", SECOND)]


def test_rendering_shows_each_step_readably_and_escaped() -> None:
    rec = record(call(FIRST + SECOND, **steps_response()))
    bundle = render_bundle(rec)
    plain, md, page = bundle["text/plain"], bundle["text/markdown"], bundle["text/html"]
    assert plain.index(FIRST) < plain.index("[tool Python · ok · 0.2 s · allowed by --allow]") < plain.index(
        "[tool Write · denied · 0.0 s · nobody to ask]") < plain.index("The mean is 2.0")
    assert "  → stdout:" in plain
    assert f"{FIRST}\n\n> **Tool Python** · ok · 0.2 s · allowed by --allow\n\n" in md
    # the code holds a ``` run: its fence is longer, so the content cannot close it
    assert "````python\nprint(df.x.mean())\n```evil```\n````\n\n```text\nstdout:\n2.0\n```" in md
    assert '```json\n{\n "content": "<b>x</b>",' in md  # inside a fence: shown as code, never as HTML
    assert md.rstrip().endswith("nobody could be asked. The tool did not run.\n```\n\n" + SECOND.strip())
    tags = Tags()
    tags.feed(page)
    names = [t for t, _ in tags.tags]
    assert names.count("details") == 2 and "script" not in names and "b" not in names
    assert "&lt;b&gt;x&lt;/b&gt;" in page  # Write's content, escaped
    statuses = [a.get("data-vibe-step-status") for t, a in tags.tags if t == "details"]
    assert statuses == ["ok", "denied"]
    assert render_bundle(copy.deepcopy(rec)) == bundle  # a pure function of the record


def test_an_answer_without_steps_renders_exactly_as_before() -> None:
    plain = record(call("Just text."))
    with_empty = record(call("Just text.", steps=[{"text": "Just text.", "tool_uses": [], "results": []}]))
    assert render_bundle(plain) == render_bundle(with_empty)


def test_a_call_that_never_got_its_result_says_it_did_not_run() -> None:
    response = steps_response()
    response["steps"][0]["results"] = response["steps"][0]["results"][:1]  # stopped after the first tool
    steps = tool_steps(response)
    assert [s["status"] for s in steps] == ["ok", "not run"]
    assert "[tool Write · not run]" in render_bundle(record(call(FIRST, status="cancelled", **response)))["text/plain"]
