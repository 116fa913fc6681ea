"""Issue 19: the optional model re-rank of auto-selection, against the fake model server, and its replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.agents import AgentRegistry
from vibing2_lab.agents.rerank import SYSTEM, choose
from vibing2_lab.session import Ask, Session

# Local ranking puts visualization-expert first; data-analyst is among its top 5.
PROMPT = "Plot a histogram of ages and a scatter plot of income vs spend"
CHOICE = '{"agent": "data-analyst", "reason": "The user wants the numbers summarised before plotting."}'


def _model_ask(**kwargs: object) -> Ask:
    return Ask(PROMPT, auto=True, auto_rank="model", cell_id="c1", **kwargs)  # type: ignore[arg-type]


def test_the_fast_model_reranks_the_local_top_five(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text=CHOICE), Reply(text="The answer."))
    session = Session(_model_ask())
    pick = session.pick
    assert pick is not None and pick.how == "model"
    assert pick.agent.name == "data-analyst" and session.agents == [pick.agent]
    assert pick.reasons[0] == "anthropic:claude-haiku-4-5: The user wants the numbers summarised before plotting."
    assert pick.reasons[1].startswith("local ranking: visualization-expert first, data-analyst #")
    (request,) = fake_model.requests
    body = request.body
    assert body["model"] == "claude-haiku-4-5"  # the fast tier
    assert body["system"] == SYSTEM and body["max_tokens"] == 150 and body["temperature"] == 0.0
    text = body["messages"][-1]["content"]
    assert text.startswith("Request:\n" + PROMPT)
    assert [line.split(":")[0] for line in text.splitlines() if line[:2] in {f"{n}." for n in range(1, 6)}] == \
        [f"{n}. {hit.agent.name}" for n, hit in enumerate(pick.candidates, 1)]
    events = list(session.stream())
    assert events[-1].text == "The answer."
    assert fake_model.requests[1].body["system"].startswith(AgentRegistry.load().get("data-analyst").system_prompt[:40])
    record = session.record()
    assert record["pick"]["agent"] == "data-analyst" and record["pick"]["how"] == "model"
    (rerank,) = record["pick"]["calls"]
    assert rerank["request"]["agent"]["name"] == "(auto-select)" and rerank["response"]["text"] == CHOICE
    assert [c["request"]["agent"]["name"] for c in record["calls"]] == ["data-analyst"]


def test_the_rerank_replays_exactly_offline(fake_model: FakeModelServer, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    fake_model.enqueue(Reply(text=CHOICE), Reply(text="The answer."))
    live = Session(_model_ask())
    list(live.stream())
    nb = {"cells": [{"cell_type": "code", "id": "c1", "source": "", "outputs": [
        {"output_type": "display_data", "data": {}, "metadata": {"vibing2_lab": live.record()}}]}]}
    path = tmp_path / "rerank.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    monkeypatch.setenv("VIBING2_LAB_REPLAY_NOTEBOOK", str(path))
    monkeypatch.setenv("VIBING2_LAB_MODE", "replay")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens: offline
    replayed = Session(_model_ask())
    list(replayed.stream())
    assert replayed.pick is not None and replayed.pick.agent.name == "data-analyst"
    assert replayed.record() == live.record()
    assert len(fake_model.requests) == 2  # nothing new reached the server


@pytest.mark.parametrize(("answer", "why"), [
    ("I think data-analyst.", "no JSON object in it"),
    ('{"agent": "rm -rf", "reason": "x"}', "'rm -rf' is not one of the candidates"),
    ('{"agent": "data-analyst", ' + "x" * 5000, "characters, not one line"),
    ('{"agent": ["data-analyst"]}', "is not one of the candidates"),
])
def test_an_answer_that_is_not_a_candidate_keeps_the_local_pick(fake_model: FakeModelServer, answer: str,
                                                                why: str) -> None:
    fake_model.enqueue(Reply(text=answer))
    pick = Session(_model_ask()).pick
    assert pick is not None and pick.how == "local" and pick.agent.name == "visualization-expert"
    assert why in pick.reasons[-1] and pick.reasons[-1].endswith("the local ranking decided")


def test_a_failed_call_keeps_the_local_pick_and_records_no_rerank(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(fault="http", status=401))
    session = Session(_model_ask())
    assert session.pick is not None and session.pick.how == "local"
    assert session.pick.agent.name == "visualization-expert"
    assert "HTTP 401" in session.pick.reasons[-1] and "(auth)" in session.pick.reasons[-1], session.pick.reasons
    assert session.pick_call is None


def test_no_key_keeps_the_local_pick(monkeypatch: pytest.MonkeyPatch) -> None:
    pick = Session(_model_ask()).pick
    assert pick is not None and pick.how == "local" and "No API key" in pick.reasons[-1]


def test_auto_model_in_config_yaml(fake_model: FakeModelServer, vibe_home: Path) -> None:
    (vibe_home / "config.yaml").write_text("auto: model\n", encoding="utf-8")
    fake_model.enqueue(Reply(text=CHOICE))
    pick = Session(Ask(PROMPT, auto=True)).pick
    assert pick is not None and pick.how == "model" and pick.agent.name == "data-analyst"


def test_auto_in_config_yaml_is_checked(vibe_home: Path) -> None:
    from vibing2_lab.config import load_settings
    from vibing2_lab.errors import ConfigError

    (vibe_home / "config.yaml").write_text("auto: magic\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'magic' .* is not local or model"):
        load_settings()


def test_a_weak_local_match_is_not_sent_to_the_model(fake_model: FakeModelServer) -> None:
    pick = Session(Ask("hello", auto=True, auto_rank="model")).pick
    assert pick is not None and pick.fallback and pick.how == "local"
    assert fake_model.requests == []


def test_choose_shortens_the_reason_to_one_line() -> None:
    pick = AgentRegistry.load().pick(PROMPT)
    chosen = choose(pick, '{"agent": "data-analyst", "reason": "' + "why\\n " * 100 + '"}', model="m")
    assert chosen.agent.name == "data-analyst" and "\n" not in chosen.reasons[0] and len(chosen.reasons[0]) <= 203


def test_cli_pick_auto_model_explain(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text=CHOICE))
    result = run_cli("agents", "pick", "--auto=model", "--json", "--explain", PROMPT)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "data-analyst" and data["how"] == "model"
    assert data["candidates"][0]["name"] == "visualization-expert"
    assert data["reasons"][0].endswith("The user wants the numbers summarised before plotting.")


def test_the_pick_part_of_a_record_is_validated_like_the_rest(fake_model: FakeModelServer) -> None:
    from vibing2_lab.errors import ExportError
    from vibing2_lab.notebook.record import validate

    fake_model.enqueue(Reply(text=CHOICE), Reply(text="The answer."))
    session = Session(_model_ask())
    list(session.stream())
    record = session.record()
    assert validate(record, where="cell c1") == record
    for tampered in ({**record["pick"], "calls": {"0": 1}}, {**record["pick"], "how": "oracle"},
                     {**record["pick"], "calls": [{"request": "x", "response": None}]}):
        with pytest.raises(ExportError, match="cell c1"):
            validate({**record, "pick": tampered}, where="cell c1")


def test_cli_ask_auto_model_answers_with_the_reranked_agent(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text=CHOICE), Reply(text="Here are the numbers."))
    result = run_cli("ask", "--auto=model", PROMPT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Here are the numbers."
    assert "[auto] data-analyst: anthropic:claude-haiku-4-5: The user wants the numbers" in result.stderr
    assert [r.body["system"][:20] == SYSTEM[:20] for r in fake_model.requests] == [True, False]


def test_cli_ask_auto_alone_still_takes_the_prompt(fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="Plotted."))
    result = run_cli("ask", "--auto", PROMPT)
    assert result.returncode == 0 and "[auto] visualization-expert" in result.stderr
    assert len(fake_model.requests) == 1
