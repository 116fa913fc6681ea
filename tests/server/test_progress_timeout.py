"""POST stream against an upstream that sends only keep-alives after its first token: the
server's stream ends with a timeout error naming timeouts.progress (before: the sidebar's
stream stayed open for as long as the upstream kept pinging), and the partial answer is stored."""

from __future__ import annotations

from typing import Any

from tests.core.test_hostile_upstream import DELTA, HEAD
from tests.core.test_progress_timeout import PING
from tests.fakes.model_server import FakeModelServer, Reply
from tests.server.conftest import Api, sse
from vibing2_lab.store import Store


async def test_a_server_stream_of_pings_ends_with_the_progress_timeout(api: Api, fake_model: FakeModelServer,
                                                                       monkeypatch: Any) -> None:
    monkeypatch.setenv("VIBING2_LAB_PROGRESS_TIMEOUT", "0.8")
    fake_model.enqueue(Reply(raw=HEAD["anthropic"] + DELTA["anthropic"]("so far"), raw_forever=PING * 20))
    answer = await api("POST", "stream", {"prompt": "hi", "project": "pings"}, request_timeout=20)
    events = sse(answer.body)
    kind, final = events[-1]
    assert kind == "error" and final["kind"] == "timeout", final
    assert "(timeouts.progress)" in final["message"] and final["partial_text"] == "so far"
    stored = Store.open().get_project("pings").messages[-1]
    assert (stored.content, stored.status) == ("so far", "error")
