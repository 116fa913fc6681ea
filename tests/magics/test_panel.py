"""The widget's Python side: frame coalescing, preview documents, the panel's state."""

from __future__ import annotations

from vibing2_lab.preview import PreviewPolicy
from vibing2_lab.widget import Frames, VibePanel, answer_state, preview_document


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_frames_send_at_most_rate_per_second_and_lose_nothing() -> None:
    sent: list[dict] = []
    clock = Clock()
    frames = Frames(sent.append, rate=25, clock=clock)
    for i in range(10_000):  # 10,000 tokens over 2 seconds
        clock.now = i * 0.0002
        frames.add(i % 2, f"{i} ")
    frames.flush()
    assert 45 <= len(sent) <= 52 and frames.sent == len(sent)
    texts = {0: "", 1: ""}
    for frame in sent:
        for index, text in frame["deltas"]:
            texts[index] += text
    assert texts[0] == "".join(f"{i} " for i in range(0, 10_000, 2))
    assert texts[1] == "".join(f"{i} " for i in range(1, 10_000, 2))
    assert sent[-1]["tokens"] == [[0, 5000], [1, 5000]] or sent[-1]["tokens"][-1][1] == 5000


def test_first_token_goes_out_at_once_and_statuses_ride_along() -> None:
    sent: list[dict] = []
    clock = Clock()
    frames = Frames(sent.append, rate=25, clock=clock)
    frames.add(0, "Hel")
    assert sent == [{"type": "frame", "deltas": [[0, "Hel"]], "status": [], "tokens": [[0, 1]]}]
    frames.add(0, "lo")
    frames.set_status(0, "complete")
    assert len(sent) == 1  # not due yet
    frames.flush()
    assert sent[1] == {"type": "frame", "deltas": [[0, "lo"]], "status": [[0, "complete"]], "tokens": [[0, 2]]}
    frames.flush()
    assert len(sent) == 2  # nothing queued: nothing sent


def test_preview_inlines_project_files_with_the_csp_first() -> None:
    answer = "Here:\n\n```css title=style.css\nh1 { color: red }\n```\n"
    project = {"index.html": '<html><head><link rel="stylesheet" href="style.css"></head><body>x</body></html>',
               "style.css": "h1 { color: blue }"}
    doc = preview_document(answer, project)
    assert doc is not None
    assert doc.startswith(PreviewPolicy().meta() + "<html><head>")  # the default policy, before the page
    assert "<style>h1 { color: red }\n</style>" in doc  # the answer's version wins over the project's
    assert preview_document("no web files here", project) is None
    assert preview_document("no web files here", project, always=True) is not None
    assert preview_document("```python\nx = 1\n```", {}) is None


def test_bare_html_answer_gets_a_preview() -> None:
    doc = preview_document("```html\n<p>hi</p>\n```")
    assert doc is not None and doc.startswith("<meta http-equiv=\"Content-Security-Policy\"") and "<p>hi</p>" in doc


def test_panel_state_and_view_data() -> None:
    panel = VibePanel(mode="fanout", answers=[answer_state(agent="a", model="anthropic:m")])
    assert panel.answers[0] == {"agent": "a", "model": "anthropic:m", "status": "streaming", "text": "", "facts": [],
                                "problem": None, "preview": None, "steps": []}
    view = panel.view_data()["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == panel.model_id
    assert "export default" in panel._esm and ".vibe-panel" in panel._css
    code = "\n".join(line for line in panel._esm.splitlines() if not line.strip().startswith("//"))
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "allow-same-origin", "eval("):
        assert sink not in code, sink  # model text never becomes markup in the JupyterLab page


def test_a_page_without_head_keeps_its_doctype_first() -> None:
    doc = preview_document("```html\n<!DOCTYPE html>\n<body><p>hi</p></body>\n```")
    assert doc is not None and doc.startswith("<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\"")
