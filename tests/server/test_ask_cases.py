"""POST stream refuses every bad ask of the shared table with the core's error, as a JSON 4xx."""

from __future__ import annotations

import pytest

from tests.fakes.model_server import FakeModelServer
from tests.server.conftest import Api
from tests.session.ask_cases import CASES, IDS, BadAsk
from vibing2_lab import errors
from vibing2_lab.store import Store


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_post_stream_refuses_a_bad_ask_with_the_core_message(api: Api, fake_model: FakeModelServer,
                                                                   case: BadAsk) -> None:
    answer = await api("POST", "stream", {"prompt": case.prompt, "project": "p", **case.body})
    assert answer.status == case.status, answer.body
    assert answer.error["kind"] == getattr(errors, case.error).kind
    assert answer.error["message"] == case.message
    assert answer.error["hint"]
    assert fake_model.requests == []
    assert Store.open().list_projects() == []
