"""Keep-alives forever: an upstream that sends bytes (so the idle timeout never fires) but no
answer content ends with a timeout error naming timeouts.progress, on both wires and both paths
(sync httpx, async aiohttp), served verbatim by the fake model server over real HTTP."""

from __future__ import annotations

import json
import time

import pytest

from tests.core.test_hostile_upstream import DELTA, HEAD, run_watched, tokens
from tests.core.test_stream import RUNNERS, WIRES, check_contract
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.config import Settings, load_settings
from vibing2_lab.errors import ConfigError
from vibing2_lab.events import ErrorEvent

PING = b'event: ping\ndata: {"type": "ping"}\n\n'
COMMENT = b": keep-alive\n\n"
EMPTY_CHUNK = b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": null}]}\n\n'
KEEP_ALIVES = {"anthropic": {"ping": PING, "comment": COMMENT},
               "openai": {"comment": COMMENT, "empty delta": EMPTY_CHUNK}}
CASES = [(wire, kind) for wire in WIRES for kind in KEEP_ALIVES[wire]]


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire, kind", CASES)
def test_keep_alives_forever_end_the_answer_with_a_progress_timeout(
        fake_model: FakeModelServer, settings: Settings, wire: str, kind: str, mode: str) -> None:
    """Before: the answer never ended (each keep-alive re-armed the idle timeout); here the
    watchdog would stop it after 15 s as `cancelled`, failing the test."""
    settings.timeouts.idle, settings.timeouts.progress = 5.0, 1.0
    fake_model.enqueue(Reply(raw=HEAD[wire] + DELTA[wire]("partial"), raw_forever=KEEP_ALIVES[wire][kind] * 20))
    t0 = time.perf_counter()
    events = run_watched(settings, wire, mode)
    elapsed = time.perf_counter() - t0
    final = check_contract(events)
    assert isinstance(final, ErrorEvent) and final.kind == "timeout", final
    assert final.message == (f"{wire} sent no answer content for 1 s (timeouts.progress), only keep-alives, "
                             "after 1 tokens.")
    assert "raise timeouts.progress in config.yaml or VIBING2_LAB_PROGRESS_TIMEOUT" in final.hint
    assert final.partial_text == "partial" == tokens(events)
    assert 1.0 <= elapsed < 4.0, elapsed


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_content_between_keep_alives_is_progress(fake_model: FakeModelServer, settings: Settings, wire: str,
                                                 mode: str) -> None:
    """Slow tokens with keep-alives between them, each gap under the bound but together well past it."""
    from tests.core.test_hostile_upstream import END

    settings.timeouts.progress = 0.6
    gaps = [DELTA[wire](f"t{n} ") + (PING if wire == "anthropic" else COMMENT) for n in range(6)]
    fake_model.enqueue(Reply(raw=HEAD[wire] + b"".join(gaps) + END[wire], raw_chunk=len(gaps[0]), raw_delay=0.3))
    final = check_contract(run_watched(settings, wire, mode))
    assert final.type == "complete", final
    assert final.text == "t0 t1 t2 t3 t4 t5 "


def test_a_stored_answer_that_timed_out_keeps_its_text(fake_model: FakeModelServer, monkeypatch) -> None:
    """Through the session (the %%vibe cell's and the CLI's core): stored like any failed answer."""
    from vibing2_lab.session import Ask, Session
    from vibing2_lab.store import Store

    monkeypatch.setenv("VIBING2_LAB_PROGRESS_TIMEOUT", "0.8")
    fake_model.enqueue(Reply(raw=HEAD["anthropic"] + DELTA["anthropic"]("so far"), raw_forever=PING * 20))
    events = list(Session(Ask("hi", project="demo")).stream())
    assert events[-1].type == "error" and "timeouts.progress" in events[-1].message
    answer = Store.open().get_project("demo").messages[-1]
    assert (answer.content, answer.status) == ("so far", "error")


def test_the_setting_is_checked(monkeypatch, vibe_home) -> None:
    (vibe_home / "config.yaml").write_text(json.dumps({"timeouts": {"progress": 42}}))
    assert load_settings().timeouts.progress == 42
    monkeypatch.setenv("VIBING2_LAB_PROGRESS_TIMEOUT", "7.5")
    assert load_settings().timeouts.progress == 7.5
    monkeypatch.setenv("VIBING2_LAB_PROGRESS_TIMEOUT", "0")
    with pytest.raises(ConfigError, match="VIBING2_LAB_PROGRESS_TIMEOUT=0 must be more than 0 seconds"):
        load_settings()
    monkeypatch.delenv("VIBING2_LAB_PROGRESS_TIMEOUT")
    (vibe_home / "config.yaml").write_text(json.dumps({"timeouts": {"progress": -1}}))
    with pytest.raises(ConfigError, match="timeouts.progress"):
        load_settings()
