"""Budgets in cells: `%%vibe --max-cost` fails a cell that would cross it; `%vibe budget` shows the spend."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from tests.magics.conftest import error_of, execute, notebook

pytestmark = pytest.mark.kernel


def test_max_cost_fails_the_cell_and_budget_shows_the_spend(fake_model: FakeModelServer, vibe_home: Path) -> None:
    (vibe_home / "config.yaml").write_text("budgets: {daily_usd: 5}\n")
    fake_model.enqueue(Reply(text="an answer", input_tokens=1000, output_tokens=2000))
    nb = execute(notebook("%%vibe -p shop\nhello", "%%vibe -p shop --max-cost 0.0000001\nagain", "%vibe budget"))
    ok, refused, report = nb.cells[1:]
    assert error_of(ok) is None
    error = error_of(refused)
    assert error["ename"] == "BudgetError" and "max_cost" in error["evalue"]
    assert len(fake_model.requests) == 1
    text = "\n".join(o["data"].get("text/plain", "") for o in report.outputs if o.output_type == "display_data")
    daily = next(line for line in text.splitlines() if line.startswith("daily_usd"))
    assert "5" in daily and "0.033" in daily  # $0.003 input + $0.03 output spent
    assert "project shop" in text
