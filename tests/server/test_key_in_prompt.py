"""The server's stream: a configured API key pasted into the prompt is redacted before it is
stored or sent, and the start frame tells the sidebar (tests/session/test_key_in_prompt.py
has the store, record and request body checks of the Session that does it)."""

from __future__ import annotations

import json

from tests.conftest import PLANTED_KEY
from tests.fakes.model_server import FakeModelServer, Reply
from tests.server.conftest import sse
from tests.session.test_key_in_prompt import keys, secrets_in  # noqa: F401  (keys: a fixture)
from vibing2_lab.keys import REDACTED
from vibing2_lab.store import Store


async def test_the_server_stream_tells_the_sidebar(keys: None, api, fake_model: FakeModelServer) -> None:
    fake_model.enqueue(Reply(text="ok"))
    answer = await api("POST", "stream", {"prompt": f"key {PLANTED_KEY}", "project": "srv"})
    events = sse(answer.body)
    assert secrets_in(answer.body.decode()) == []
    assert events[0][0] == "start" and "The prompt held a configured API key (1x)" in events[0][1]["notices"][0]
    assert secrets_in(json.dumps(fake_model.requests[0].body)) == []
    assert Store.open().get_project("srv").messages[0].content == f"key {REDACTED}"
