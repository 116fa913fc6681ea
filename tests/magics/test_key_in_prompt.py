"""`%%vibe` in a real kernel: a configured API key pasted into the cell's prompt reaches neither
the saved notebook (the record, the renderings) nor the store nor the model, and the cell says so
(tests/session/test_key_in_prompt.py checks the Session that does it)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PLANTED_KEY
from tests.fakes.model_server import FakeModelServer, Reply
from tests.magics.conftest import error_of, execute, notebook, record_of, texts
from vibing2_lab.keys import REDACTED
from vibing2_lab.store import Store

pytestmark = pytest.mark.kernel


def test_a_key_pasted_into_a_cell_is_redacted_and_the_cell_says_so(fake_model: FakeModelServer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", PLANTED_KEY)
    fake_model.enqueue(Reply(text="Noted."))
    nb = execute(notebook(f"%%vibe --project demo\nwhy does {PLANTED_KEY} fail?"))
    cell = nb.cells[1]
    assert error_of(cell) is None, cell.outputs
    saved = json.dumps(cell.outputs)
    assert PLANTED_KEY not in saved and PLANTED_KEY[:16] not in saved
    assert record_of(cell)["calls"][0]["request"]["prompt"] == f"why does {REDACTED} fail?"
    assert "The prompt held a configured API key (1x): it was replaced by [redacted]" in texts(cell.outputs)
    assert PLANTED_KEY not in json.dumps(fake_model.requests[0].body)
    assert Store.open().get_project("demo").messages[0].content == f"why does {REDACTED} fail?"
