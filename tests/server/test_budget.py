"""Budgets through the server: POST stream honours max_cost; GET budget reports limits and spend."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.model_server import FakeModelServer, Reply
from tests.server.conftest import Api, sse


async def test_a_stream_over_its_max_cost_is_refused_before_anything_is_sent(
        api: Api, fake_model: FakeModelServer) -> None:
    events = sse((await api("POST", "stream", {"prompt": "hi", "project": "b", "max_cost": 0.0000001})).body)
    assert [name for name, _ in events] == ["start", "error"]
    assert events[-1][1]["kind"] == "budget" and "max_cost" in events[-1][1]["message"]
    assert fake_model.requests == []


async def test_bad_max_cost_is_a_400(api: Api) -> None:
    answer = await api("POST", "stream", {"prompt": "hi", "max_cost": -1})
    assert answer.status == 400 and "max_cost" in answer.error["message"]
    assert (await api("POST", "stream", {"prompt": "hi", "max_cost": "free"})).status == 400


async def test_budget_reports_the_spend_against_the_limits(api: Api, fake_model: FakeModelServer,
                                                           fast_config: Path) -> None:
    fast_config.write_text(fast_config.read_text() + "budgets: {daily_usd: 1, per_project_usd: 0.5}\n")
    fake_model.enqueue(Reply(text="ok", input_tokens=1000, output_tokens=1000))
    assert sse((await api("POST", "stream", {"prompt": "hi", "project": "b"})).body)[-1][0] == "complete"
    report = (await api("GET", "budget")).json
    assert report["limits"]["daily_usd"]["limit"] == 1.0
    assert report["limits"]["daily_usd"]["spent"] == pytest.approx(0.018)
    assert report["projects"] == [{"project": "b", "spent": pytest.approx(0.018), "limit": 0.5,
                                   "left": pytest.approx(0.482)}]
