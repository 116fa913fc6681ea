"""`%%vibe` refuses every bad ask of the shared table with the core's error: the cell fails."""

from __future__ import annotations

import pytest

from tests.fakes.model_server import FakeModelServer
from tests.magics.conftest import error_of, execute, notebook
from tests.session.ask_cases import CASES
from vibing2_lab.store import Store

pytestmark = pytest.mark.kernel


def test_vibe_cells_refuse_each_bad_ask_with_the_core_message(fake_model: FakeModelServer) -> None:
    nb = execute(notebook(*(case.cell for case in CASES)))  # one kernel for the whole table
    for case, cell in zip(CASES, nb.cells[1:], strict=True):
        error = error_of(cell)
        assert error is not None, (case.id, cell.outputs)
        assert (error["ename"], error["evalue"].partition(case.message)[:2]) == (case.error, ("", case.message)), \
            (case.id, error["evalue"])
        assert error["evalue"] != case.message, "the hint follows the message"
    assert fake_model.requests == []
    assert Store.open().list_projects() == []
