"""`vibing2-lab ask` refuses every bad ask of the shared table with the core's error, in a subprocess."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer
from tests.session.ask_cases import CASES, IDS, BadAsk
from vibing2_lab.store import Store


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_cli_refuses_a_bad_ask_with_the_core_message(fake_model: FakeModelServer, case: BadAsk) -> None:
    out = run_cli("ask", *case.options, "--project", "p", "-", input=case.prompt)
    assert out.returncode == 1, out.stderr
    assert out.stderr.startswith(f"vibing2-lab: error: {case.message} "), out.stderr  # then the hint
    assert out.stderr.count("\n") == 1 and out.stdout == ""
    assert fake_model.requests == []
    assert Store.open().list_projects() == []
