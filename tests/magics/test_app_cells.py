"""Vibe coding in `%%vibe` cells (real kernel, fake model server): a follow-up cell edits the app
the first one built, and each panel says which version of the files its answer made."""

from __future__ import annotations

import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from tests.magics.conftest import error_of, execute, notebook, vibe_output
from tests.magics.test_cells import widget_answers
from vibing2_lab.store import Store

pytestmark = pytest.mark.kernel

FIRST = ("```html title=index.html\n<!doctype html><link rel=stylesheet href=style.css><h1>Lemonade</h1>\n```\n\n"
         "```css title=style.css\nbody { margin: 0; }\nh1 { color: black; }\n```\n")
SECOND = ('<FILE_EDIT path="style.css">\n<<<<<<< SEARCH\nh1 { color: black; }\n=======\nh1 { color: blue; }\n'
          ">>>>>>> REPLACE\n</FILE_EDIT>\n")


def test_a_follow_up_cell_changes_one_line_and_the_panel_names_the_version(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text=FIRST), Reply(text=SECOND))
    nb = execute(notebook("%vibe use lemonade",
                          "%%vibe --format html\nBuild a lemonade stand page",
                          "%%vibe --format html\nmake the title blue"))
    assert all(error_of(cell) is None for cell in nb.cells)
    first, second = (widget_answers(nb, vibe_output(nb.cells[i]))[0] for i in (2, 3))
    assert "files: version 1" in first["facts"] and "files: version 2" in second["facts"]
    # the second preview shows the edited app: blue title, the rest of the stylesheet kept
    assert "h1 { color: blue; }" in second["preview"] and "body { margin: 0; }" in second["preview"]
    assert "h1 { color: black; }" in fake_model.requests[1].body["system"]  # it was told the current files
    store = Store.open()
    assert store.get_project("lemonade").file_map()["style.css"] == "body { margin: 0; }\nh1 { color: blue; }\n"
    assert [v.changed for v in store.versions("lemonade")] == [[], ["style.css"]]
