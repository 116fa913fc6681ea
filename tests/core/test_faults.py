"""Every fault ends the stream with one ErrorEvent of the right kind, keeping the partial text."""

from __future__ import annotations

import socket
import time

import pytest

from tests.core.conftest import ask
from tests.core.test_stream import RUNNERS, WIRES, check_contract, run_sync
from tests.fakes.model_server import FakeModelServer, Reply
from vibing2_lab import errors
from vibing2_lab.config import Settings
from vibing2_lab.events import CompleteEvent, ErrorEvent, TokenEvent
from vibing2_lab.providers import error_from_event


def final_error(events: list) -> ErrorEvent:
    final = check_contract(events)
    assert isinstance(final, ErrorEvent), final
    return final


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("status", [401, 403])
def test_auth_failure_names_the_key_source(fake_model: FakeModelServer, settings: Settings, wire: str,
                                           status: int) -> None:
    fake_model.enqueue(Reply(fault="http", status=status))
    err = final_error(run_sync(settings, wire, ask()))
    env = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}[wire]
    assert err.kind == errors.AuthError.kind == "auth"
    assert f"rejected the API key read from environment variable {env}" in err.message
    assert f"HTTP {status}" in err.message and "vibing2-lab login" in err.hint
    assert len(fake_model.requests) == 1  # never retried
    raised = error_from_event(err)
    assert type(raised) is errors.AuthError and raised.hint == err.hint


def test_auth_failure_from_the_keychain_says_so(fake_model: FakeModelServer, settings: Settings,
                                                memory_keyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    memory_keyring.set_password("vibing2-lab", "anthropic", "sk-ant-fake-from-keychain-000000")
    fake_model.enqueue(Reply(fault="http", status=401))
    err = final_error(run_sync(settings, "anthropic", ask()))
    assert "read from OS keychain (service vibing2-lab)" in err.message
    assert fake_model.requests[0].headers["x-api-key"] == "sk-ant-fake-from-keychain-000000"


@pytest.mark.parametrize("header, value, wait", [("retry-after", "0.6", 0.6), ("retry-after-ms", "400", 0.4)])
def test_429_waits_as_the_server_asks_then_succeeds(fake_model: FakeModelServer, settings: Settings, header: str,
                                                    value: str, wait: float) -> None:
    fake_model.enqueue(Reply(fault="http", status=429, headers={header: value}), Reply(text="made it"))
    t0 = time.perf_counter()
    events = run_sync(settings, "anthropic", ask())
    elapsed = time.perf_counter() - t0
    final = check_contract(events)
    assert isinstance(final, CompleteEvent) and final.text == "made it"
    assert len(fake_model.requests) == 2
    assert elapsed >= wait  # honoured, although the configured backoff is at most 0.05 s


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_500_then_success(fake_model: FakeModelServer, settings: Settings, wire: str, mode: str) -> None:
    fake_model.enqueue(Reply(fault="http", status=500), Reply(fault="http", status=502), Reply(text="fine now"))
    final = check_contract(RUNNERS[mode](settings, wire, ask()))
    assert isinstance(final, CompleteEvent) and final.text == "fine now"
    assert len(fake_model.requests) == 3


def test_529_exhausts_the_retries(fake_model: FakeModelServer, settings: Settings) -> None:
    settings.retries.max = 2
    fake_model.default = Reply(fault="http", status=529)
    err = final_error(run_sync(settings, "anthropic", ask()))
    assert err.kind == "overloaded" and "HTTP 529 overloaded_error" in err.message
    assert "(after 2 retries)" in err.message
    assert len(fake_model.requests) == 3  # the first try + 2 retries
    assert type(error_from_event(err)) is errors.OverloadedError


def test_should_retry_header_false_is_obeyed(fake_model: FakeModelServer, settings: Settings) -> None:
    fake_model.enqueue(Reply(fault="http", status=500, headers={"x-should-retry": "false"}))
    err = final_error(run_sync(settings, "anthropic", ask()))
    assert err.kind == "server" and len(fake_model.requests) == 1


def test_400_is_not_retried_and_keeps_the_server_message(fake_model: FakeModelServer, settings: Settings) -> None:
    fake_model.enqueue(Reply(fault="http", status=400, error_message="max_tokens: too large"))
    err = final_error(run_sync(settings, "anthropic", ask()))
    assert err.kind == "provider" and "max_tokens: too large" in err.message
    assert len(fake_model.requests) == 1


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_drop_after_n_tokens_keeps_partial_text(fake_model: FakeModelServer, settings: Settings, wire: str,
                                                mode: str) -> None:
    fake_model.enqueue(Reply(text="one two three four five", fault="drop", after=3))
    events = RUNNERS[mode](settings, wire, ask())
    err = final_error(events)
    assert err.kind == "connect" and "lost after 3 tokens" in err.message
    assert err.partial_text == "one two three" == "".join(e.text for e in events if isinstance(e, TokenEvent))
    assert len(fake_model.requests) == 1  # after the first token: no retry


def test_drop_before_the_first_token_is_retried(fake_model: FakeModelServer, settings: Settings) -> None:
    fake_model.enqueue(Reply(text="x y", fault="drop", after=0), Reply(text="second try"))
    final = check_contract(run_sync(settings, "anthropic", ask()))
    assert isinstance(final, CompleteEvent) and final.text == "second try"


@pytest.mark.parametrize("wire", WIRES)
def test_mid_stream_error_event_reports_its_type(fake_model: FakeModelServer, settings: Settings, wire: str) -> None:
    fake_model.enqueue(Reply(text="a b c d", fault="error_event", after=2, error_type="overloaded_error",
                             error_message="Overloaded"))
    err = final_error(run_sync(settings, wire, ask()))
    assert err.kind == "overloaded" and "overloaded_error: Overloaded" in err.message
    assert err.partial_text == "a b"


def test_unknown_mid_stream_error_type_is_a_server_error(fake_model: FakeModelServer, settings: Settings) -> None:
    fake_model.enqueue(Reply(text="a b", fault="error_event", after=1, error_type="api_error", error_message="boom"))
    err = final_error(run_sync(settings, "anthropic", ask()))
    assert err.kind == "server" and "api_error: boom" in err.message and err.partial_text == "a"


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_stall_ends_with_the_idle_timeout(fake_model: FakeModelServer, settings: Settings, wire: str,
                                          mode: str) -> None:
    settings.timeouts.idle = 0.5
    fake_model.enqueue(Reply(text="a b c d", fault="stall", after=2))
    t0 = time.perf_counter()
    err = final_error(RUNNERS[mode](settings, wire, ask()))
    elapsed = time.perf_counter() - t0
    assert err.kind == "timeout" == errors.StreamTimeoutError.kind
    assert "sent nothing for 0.5 s (idle timeout) after 2 tokens" in err.message
    assert err.partial_text == "a b"
    assert 0.5 <= elapsed < 5


def test_idle_timeout_from_the_environment(fake_model: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from vibing2_lab.config import load_settings

    monkeypatch.setenv("VIBING2_LAB_IDLE_TIMEOUT", "0.3")
    settings = load_settings()
    assert settings.timeouts.idle == 0.3
    fake_model.enqueue(Reply(text="a b", fault="stall", after=1))
    err = final_error(run_sync(settings, "anthropic", ask()))
    assert err.kind == "timeout" and "0.3 s" in err.message


@pytest.mark.parametrize("wire", WIRES)
def test_malformed_json_line(fake_model: FakeModelServer, settings: Settings, wire: str) -> None:
    fake_model.enqueue(Reply(text="a b c", fault="malformed", after=1))
    err = final_error(run_sync(settings, wire, ask()))
    assert err.kind == "protocol" and "malformed stream event after 1 tokens" in err.message
    assert "{not json" in err.message and err.partial_text == "a"


@pytest.mark.parametrize("mode", RUNNERS)
def test_no_response_headers_within_the_idle_timeout(fake_model: FakeModelServer, settings: Settings,
                                                     mode: str) -> None:
    settings.timeouts.idle = 0.5
    fake_model.enqueue(Reply(text="late", header_delay=30))
    t0 = time.perf_counter()
    err = final_error(RUNNERS[mode](settings, "anthropic", ask()))
    assert err.kind == "timeout" and "sent nothing for 0.5 s (idle timeout) after 0 tokens" in err.message
    assert 0.5 <= time.perf_counter() - t0 < 5


@pytest.mark.parametrize("mode", RUNNERS)
def test_malformed_base_url_scheme(settings: Settings, mode: str) -> None:
    settings.providers["anthropic"].base_url = "ftp://127.0.0.1:1"
    err = final_error(RUNNERS[mode](settings, "anthropic", ask()))
    assert err.kind == "connect" and "is not an http(s) URL" in err.message


@pytest.mark.parametrize("mode", RUNNERS)
def test_unreachable_endpoint_is_retried_then_a_connect_error(settings: Settings, mode: str) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.providers["anthropic"].base_url = f"http://127.0.0.1:{port}"
    settings.retries.max = 1
    err = final_error(RUNNERS[mode](settings, "anthropic", ask()))
    assert err.kind == "connect" and f"127.0.0.1:{port}" in err.message and "(after 1 retry)" in err.message


def test_missing_key_is_an_error_event_not_an_exception(fake_model: FakeModelServer, settings: Settings,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    events = run_sync(settings, "anthropic", ask())
    err = final_error(events)
    assert len(events) == 1 and err.kind == "key_missing" and "ANTHROPIC_API_KEY" in err.hint
    assert fake_model.requests == []
    assert type(error_from_event(err)) is errors.KeyMissingError


def test_json_instead_of_a_stream_is_a_protocol_error(fake_model: FakeModelServer, settings: Settings) -> None:
    fake_model.respond = lambda req: (req.body.update(stream=False), Reply(text="whole"))[1]
    err = final_error(run_sync(settings, "anthropic", ask()))
    assert err.kind == "protocol" and "JSON instead of an event stream" in err.message


def test_error_from_event_keeps_partial_text() -> None:
    ev = ErrorEvent(kind="timeout", message="m", hint="h", partial_text="so far", request_id="r1")
    exc = error_from_event(ev)
    assert isinstance(exc, errors.StreamTimeoutError)
    assert (exc.message, exc.hint, exc.partial_text, exc.request_id) == ("m", "h", "so far", "r1")


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("wire", WIRES)
def test_a_body_that_never_ends_after_the_answer_does_not_hang_the_call(
        fake_model: FakeModelServer, settings: Settings, wire: str, mode: str) -> None:
    """The answer's end event came, then the body never ends (no last chunk): the answer is
    complete, and reading the rest of the body (to pool the connection) stops at the idle timeout."""
    settings.timeouts.idle = 0.5
    fake_model.enqueue(Reply(text="a b c", fault="stall_tail"))
    t0 = time.perf_counter()
    events = RUNNERS[mode](settings, wire, ask())
    elapsed = time.perf_counter() - t0
    assert events[-1].type == "complete" and events[-1].text == "a b c"
    assert elapsed < 5
