"""The next item of an async iterator, and whether it had to wait for it: what lets the SSE
writer coalesce on the way out without a timer.

A model often sends several events in one read (and does so more, the busier the server is):
the relay then has several frames ready at once. Written one by one, each is a `send()` of
its own, ~20 µs of kernel time and a wakeup of the client per frame. `next_item` runs the
source's `__anext__` step by step, as the event loop would: when the item comes without the
source having to wait (the next event of the same read), it is simply returned; when the
source is about to wait (for the model, a thread, a queue), `before_wait()` runs first, so
what was queued goes out in one write before anything waits. Nothing is ever held back
across a wait, so no latency is added, and no timer or loop callback runs per token.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable, Generator, TypeVar

T = TypeVar("T")


async def next_item(source: AsyncIterator[T], before_wait: Callable[[], None]) -> T:
    """`await anext(source)`, calling `before_wait()` only if the source has to wait first.
    StopAsyncIteration at the end, as anext() raises it."""
    step = source.__anext__()
    if not hasattr(step, "send"):  # an awaitable that is no coroutine: it can only be awaited whole
        before_wait()
        return await step
    try:
        waiting = step.send(None)  # type: ignore[attr-defined]  (runs it up to its first wait, or to its item)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    before_wait()
    return await _Rest(step, waiting)  # type: ignore[arg-type]


class _Rest:
    """The rest of a step that stopped to wait: each future it waits on goes up to the task
    (and its result, or a cancellation, comes back down), as `await step` would have done."""

    __slots__ = ("step", "waiting")

    def __init__(self, step: Awaitable[Any], waiting: Any) -> None:
        self.step, self.waiting = step, waiting

    def __await__(self) -> Generator[Any, Any, Any]:
        step, waiting = self.step, self.waiting
        while True:
            try:
                sent = yield waiting
            except GeneratorExit:  # this coroutine is being closed: close the step too
                step.close()  # type: ignore[attr-defined]
                raise
            except BaseException as exc:  # a cancellation (or anything thrown in) goes to the source
                try:
                    waiting = step.throw(exc)  # type: ignore[attr-defined]
                except StopIteration as done:
                    return done.value
            else:
                try:
                    waiting = step.send(sent)  # type: ignore[attr-defined]
                except StopIteration as done:
                    return done.value
