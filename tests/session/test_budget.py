"""Budgets hold: a request that could cross a limit is shortened to fit or refused before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.budget import Ledger, estimate_input_tokens
from vibing2_lab.config import load_settings
from vibing2_lab.errors import BudgetError
from vibing2_lab.providers import ModelRequest
from vibing2_lab.session import Ask, Session
from vibing2_lab.store import Store

SONNET_OUT = 15.0 / 1e6  # USD per output token of claude-sonnet-4-5 in the default price table


def configure(home: Path, text: str) -> None:
    (home / "config.yaml").write_text(text)


def test_max_cost_below_one_request_is_refused_and_nothing_is_sent(fake_model: FakeModelServer) -> None:
    out = run_cli("ask", "--max-cost", "0.0000001", "--project", "p", "hello")
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "max_cost" in out.stderr and "Nothing was sent" in out.stderr
    assert fake_model.requests == []


def test_daily_budget_far_below_one_call_is_refused(fake_model: FakeModelServer, vibe_home: Path) -> None:
    configure(vibe_home, "budgets: {daily_usd: 0.000001}\n")
    out = run_cli("ask", "hello")
    assert out.returncode == 1 and "daily_usd" in out.stderr and "$1e-06" in out.stderr
    assert "raise budgets.daily_usd in config.yaml" in out.stderr
    assert fake_model.requests == []


def test_budget_json_shows_the_limits_and_what_the_runs_spent(fake_model: FakeModelServer, vibe_home: Path) -> None:
    configure(vibe_home, "budgets: {daily_usd: 5, monthly_usd: 50, per_project_usd: 2}\n")
    fake_model.enqueue(Reply(text="an answer", input_tokens=1000, output_tokens=2000))
    assert run_cli("ask", "--project", "shop", "hello").returncode == 0
    report = json.loads(run_cli("budget", "--json").stdout)
    cost = (1000 * 3.0 + 2000 * 15.0) / 1e6
    assert report["limits"]["daily_usd"] == {"limit": 5.0, "spent": pytest.approx(cost), "left": pytest.approx(5 - cost)}
    assert report["limits"]["monthly_usd"]["spent"] == pytest.approx(cost)
    assert report["projects"] == [{"project": "shop", "spent": pytest.approx(cost), "limit": 2.0,
                                   "left": pytest.approx(2 - cost)}]


def test_recorded_spend_counts_against_the_project_budget(fake_model: FakeModelServer, vibe_home: Path) -> None:
    fake_model.enqueue(Reply(text="first", input_tokens=10, output_tokens=40_000))  # $0.60 of output
    assert run_cli("ask", "--project", "shop", "one").returncode == 0
    configure(vibe_home, "budgets: {per_project_usd: 0.6}\n")
    out = run_cli("ask", "--project", "shop", "two")
    assert out.returncode == 1 and "per_project_usd" in out.stderr and "$0.60003 spent" in out.stderr
    assert len(fake_model.requests) == 1  # the second ask never reached the model
    assert run_cli("ask", "--project", "other", "two").returncode == 0  # another project has its own budget


def test_max_tokens_is_lowered_to_fit_the_limit(fake_model: FakeModelServer, vibe_home: Path) -> None:
    configure(vibe_home, "budgets: {per_call_usd: 0.01}\nmax_tokens: 4096\n")  # 4096 tokens would cost $0.06
    fake_model.enqueue(Reply(text="short"))
    assert run_cli("ask", "hello").returncode == 0
    sent = fake_model.requests[0].body["max_tokens"]
    assert 16 <= sent < 4096 and sent * SONNET_OUT <= 0.01


def test_a_model_without_a_price_is_refused_under_a_budget(fake_model: FakeModelServer, vibe_home: Path) -> None:
    configure(vibe_home, "budgets: {monthly_usd: 100}\n")
    out = run_cli("ask", "--model", "anthropic:claude-unpriced-9", "hello")
    assert out.returncode == 1 and "claude-unpriced-9 has no price" in out.stderr and "prices:" in out.stderr
    assert fake_model.requests == []
    configure(vibe_home, "budgets: {monthly_usd: 100}\nprices: {claude-unpriced-9: {input: 1, output: 2}}\n")
    assert run_cli("ask", "--model", "anthropic:claude-unpriced-9", "hello").returncode == 0


def test_without_budgets_an_unpriced_model_still_answers(fake_model: FakeModelServer) -> None:
    assert run_cli("ask", "--model", "anthropic:claude-unpriced-9", "hello").returncode == 0


def test_one_ask_counts_all_its_agents(fake_model: FakeModelServer, vibe_home: Path) -> None:
    # The first answer costs $0.01995 of output: what it leaves of $0.02 cannot pay for the second's input.
    fake_model.respond = lambda req: Reply(text="step", input_tokens=0, output_tokens=1330)
    session = Session(Ask("go", agents=["sql-expert", "data-analyst"], chain=True, max_cost=0.02, max_tokens=600,
                          store=False), settings=load_settings())
    finals = [e for e in session.stream() if e.type in ("complete", "error")]
    assert [e.type for e in finals] == ["complete", "error"]
    assert finals[1].kind == "budget" and "max_cost" in finals[1].message
    assert len(fake_model.requests) == 1


def test_bad_max_cost_is_an_input_error() -> None:
    from vibing2_lab.errors import InputError

    with pytest.raises(InputError, match="max_cost must be a positive"):
        Session(Ask("hi", max_cost=0.0), settings=load_settings())


def test_the_ledger_estimate_covers_what_is_sent() -> None:
    settings = load_settings()
    settings.budgets.per_call_usd = 1e-9
    request = ModelRequest(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "x" * 3000}])
    assert estimate_input_tokens(request) >= 1000
    with pytest.raises(BudgetError, match="per_call_usd"):
        Ledger(settings).admit(request)


def test_bad_budget_values_are_config_errors(vibe_home: Path) -> None:
    from vibing2_lab.errors import ConfigError

    configure(vibe_home, "budgets: {daily_usd: -1}\n")
    with pytest.raises(ConfigError, match="budgets.daily_usd"):
        load_settings()
    configure(vibe_home, "budgets: {weekly_usd: 3}\n")
    with pytest.raises(ConfigError, match="weekly_usd"):
        load_settings()


def test_store_spend_filters_by_time_and_project(vibe_home: Path) -> None:
    from vibing2_lab.store import Run

    store = Store.open()
    p = store.create_project("a")
    store.record_run(Run(agent=None, provider="anthropic", model="m", status="complete", project_id=p.id,
                         cost_usd=0.25, created="2026-01-01T10:00:00.000000Z"))
    store.record_run(Run(agent=None, provider="anthropic", model="m", status="complete", project_id=None,
                         cost_usd=0.5, created="2026-02-03T10:00:00.000000Z"))
    assert store.spend() == pytest.approx(0.75)
    assert store.spend(since="2026-02-01T00:00:00") == pytest.approx(0.5)
    assert store.spend(project_id=p.id) == pytest.approx(0.25)
