"""Answer text from upstream that UTF-8 cannot carry (a lone surrogate, which a JSON escape can
hold) or that is not text at all: the answer still streams, stores and is sent, or ends with a
clear protocol error; it never crashes a later step."""

from __future__ import annotations

import pytest

from tests.core.conftest import ask
from tests.core.test_stream import RUNNERS, WIRES, check_contract
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.config import Settings
from vibing2_lab.events import CompleteEvent, ErrorEvent, TokenEvent


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_a_lone_surrogate_becomes_the_replacement_character(fake_model: FakeModelServer, settings: Settings,
                                                            wire: str, mode: str) -> None:
    fake_model.enqueue(Reply(tokens=["caf", "\ud800", "é ok"]))  # the fake escapes it: "\ud800" in JSON
    events = RUNNERS[mode](settings, wire, ask())
    final = check_contract(events)
    assert isinstance(final, CompleteEvent), final
    assert final.text == "caf\ufffdé ok" == "".join(e.text for e in events if isinstance(e, TokenEvent))
    final.text.encode("utf-8")  # strict: it can be stored and sent


@pytest.mark.parametrize("wire", WIRES)
def test_text_that_is_not_a_string_is_a_protocol_error(fake_model: FakeModelServer, settings: Settings,
                                                       wire: str) -> None:
    fake_model.enqueue(Reply(tokens=["fine ", 5, " never"]))  # type: ignore[list-item]
    final = check_contract(RUNNERS["sync"](settings, wire, ask()))
    assert isinstance(final, ErrorEvent) and final.kind == "protocol", final
    assert "not a string" in final.message and final.partial_text == "fine "


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_a_nul_becomes_the_replacement_character(fake_model: FakeModelServer, settings: Settings, wire: str,
                                                 mode: str) -> None:
    fake_model.enqueue(Reply(tokens=["a", "\x00", "b"]))  # the fake escapes it: "\u0000" in JSON
    events = RUNNERS[mode](settings, wire, ask())
    final = check_contract(events)
    assert isinstance(final, CompleteEvent), final
    assert final.text == "a\ufffdb" == "".join(e.text for e in events if isinstance(e, TokenEvent))


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_an_answer_with_a_nul_is_stored_on_both_engines(request: pytest.FixtureRequest, fake_model: FakeModelServer,
                                                        engine: str) -> None:
    """PostgreSQL's text cannot hold a NUL: before, such an answer was refused by the store
    (StoreError) and lost; SQLite kept it."""
    from vibing2_lab.session import Ask, Session
    from vibing2_lab.store import Store

    if engine == "postgresql":
        request.getfixturevalue("postgresql_url")
    fake_model.enqueue(Reply(tokens=["kept", "\x00", " whole"]))
    final = list(Session(Ask("hi", project="nul-answer")).stream())[-1]
    assert isinstance(final, CompleteEvent) and final.text == "kept\ufffd whole", final
    (answer,) = [m for m in Store.open().get_project("nul-answer").messages if m.role == "assistant"]
    assert (answer.status, answer.content) == ("complete", "kept\ufffd whole")
