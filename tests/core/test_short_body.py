"""A body that ends before its Content-Length (or inside a chunk) says the same on the sync
path (httpx, whose h11 words it "peer closed connection without sending complete message
body (received 353 bytes, expected 453)") and the async one (aiohttp: "Not enough data to
satisfy content length header (received 353 of 453 bytes).", which ended the message in
".."): one error kind, one message, served by the fake model server over real HTTP."""

from __future__ import annotations

import pytest

from tests.core.test_hostile_upstream import DELTA, END, HEAD, run, tokens
from tests.core.test_stream import RUNNERS, WIRES, check_contract
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab.config import Settings
from vibing2_lab.events import CompleteEvent, ErrorEvent

CUTS = {"between events": lambda wire: b"", "inside the end event": lambda wire: END[wire][:20]}


def final_error(settings: Settings, wire: str, mode: str, reply: Reply, fake: FakeModelServer) -> ErrorEvent:
    events = run(settings, wire, mode, reply, fake)
    final = check_contract(events)
    assert isinstance(final, ErrorEvent), final
    assert final.partial_text == tokens(events)
    return final


@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize("wire", WIRES)
def test_a_short_content_length_says_the_same_on_both_paths(fake_model: FakeModelServer, settings: Settings,
                                                            wire: str, cut: str) -> None:
    settings.retries.max = 0
    body = HEAD[wire] + DELTA[wire]("partial") + CUTS[cut](wire)
    finals = [final_error(settings, wire, mode, Reply(raw=body, headers={"content-length": str(len(body) + 100)}),
                          fake_model) for mode in RUNNERS]
    expected = (f"The connection to {wire} was lost after 1 tokens: the body ended after {len(body)} of the "
                f"{len(body) + 100} bytes its Content-Length announced.")
    for final in finals:
        assert (final.kind, final.message, final.partial_text) == ("connect", expected, "partial"), final
    assert finals[0].hint == finals[1].hint and finals[0].hint


@pytest.mark.parametrize("wire", WIRES)
def test_a_body_cut_inside_a_chunk_says_the_same_on_both_paths(fake_model: FakeModelServer, settings: Settings,
                                                               wire: str) -> None:
    """The fake's `drop` fault: a chunked body whose connection closes without the last chunk."""
    settings.retries.max = 0
    finals = [final_error(settings, wire, mode, Reply(text="one two three", fault="drop", after=2), fake_model)
              for mode in RUNNERS]
    expected = f"The connection to {wire} was lost after 2 tokens: the body ended inside a chunk."
    for final in finals:
        assert (final.kind, final.message, final.partial_text) == ("connect", expected, "one two"), final


@pytest.mark.parametrize("mode", RUNNERS)
def test_a_short_body_before_any_token_is_retried(fake_model: FakeModelServer, settings: Settings,
                                                  mode: str) -> None:
    """Like any lost connection before the first token: retried, on both paths alike."""
    settings.retries.max, settings.retries.base_delay = 1, 0.01
    body = HEAD["anthropic"]
    whole = HEAD["anthropic"] + DELTA["anthropic"]("fine") + END["anthropic"]
    fake_model.enqueue(Reply(raw=body, headers={"content-length": str(len(body) + 10)}))
    events = run(settings, "anthropic", mode, Reply(raw=whole), fake_model)
    final = check_contract(events)
    assert isinstance(final, CompleteEvent) and final.text == "fine", final


@pytest.mark.parametrize("mode", RUNNERS)
def test_an_answer_complete_before_the_length_runs_out_is_complete(fake_model: FakeModelServer,
                                                                   settings: Settings, mode: str) -> None:
    """The end event arrived: what the length promised beyond it is not part of the answer."""
    body = HEAD["openai"] + DELTA["openai"]("done") + END["openai"]
    events = run(settings, "openai", mode, Reply(raw=body, headers={"content-length": str(len(body) + 50)}),
                 fake_model)
    final = check_contract(events)
    assert isinstance(final, CompleteEvent) and final.text == "done", final
