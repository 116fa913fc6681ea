"""`%%vibe --bg`: answers that stream in a worker thread while the kernel runs other cells.

Why this works in ipykernel (7.x, checked in a real kernel by tests/magics/test_background.py):
- widget messages (`comm_msg`) are routed by comm id, not by the cell that sent them, so the
  panel keeps streaming from a thread after its cell has ended;
- a plain thread has no copy of the cell's context, so its display messages carry the kernel's
  *global* parent header (the cell running now). The final `update_display_data` is matched by
  display id, whichever cell it arrives with: nbclient and JupyterLab update the background
  cell's output in place, and the saved notebook holds the record there, as a foreground cell's.
- a kernel interrupt (SIGINT) reaches only the main thread: it would hit the cell running now,
  never the job. So the panel's Stop sends a widget message instead (`{"type": "stop"}`), which
  the kernel handles when it is idle or once the running cell ends; `%vibe cancel ID` always works.

Consent: stdin belongs to the running cell, so nobody can be asked from a job: a tool that needs
consent is denied with the reason, unless pre-approved with `--allow`.

A kernel shutdown or restart runs `atexit` (job threads are daemons, still alive then): every job
is cancelled and given a moment to store its partial answer.
"""

from __future__ import annotations

import atexit
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from argparse import Namespace

    from ..providers import Cancel
    from ..session import Session
    from ..tools import Decision, PendingCall
    from .tools import CellTools

SHUTDOWN_WAIT_SECONDS = 5.0  # at exit: how long the jobs get to store their partial answers
RUNNING = "running"


@dataclass
class Job:
    """One background ask: its session streams in `thread`; `cancel` stops it from anywhere."""

    id: int
    cell: int | None  # the execution count of the cell that started it
    session: Session
    cancel: Cancel
    started: float = field(default_factory=time.monotonic)
    status: str = RUNNING  # running | complete | error | cancelled
    error: BaseException | None = None  # the VibeError of a failed answer (raised by `%vibe wait`)
    done: threading.Event = field(default_factory=threading.Event)
    waited: bool = False  # a `%vibe wait` saw it end (a plain `%vibe wait` skips it from then on)
    thread: threading.Thread | None = None

    @property
    def agents(self) -> list[str]:
        return [agent.name for agent in self.session.agents]

    def elapsed(self) -> float:
        return time.monotonic() - self.started


_jobs: dict[int, Job] = {}
_ids = itertools.count(1)
_lock = threading.Lock()
_hooked = False


def background_consent(pending: PendingCall) -> Decision:
    """Consent in a job: nobody can be asked (the kernel's stdin belongs to the running cell)."""
    from ..tools import Decision

    return Decision.deny(f"{pending.name} needs the user's consent, which a background answer (--bg) cannot ask "
                         f"for. Pre-approve it with --allow {pending.name}, or run the cell without --bg.",
                         by="nobody")


def start(shell: Any, session: Session, options: Namespace, tools: CellTools) -> Job:
    """Open the panel in this cell's output, then stream in a daemon thread; returns at once."""
    from ..providers import Cancel
    from .cell import open_output

    output = open_output(shell, session, options.format, background=True)
    tools.attach(output)
    job = Job(id=next(_ids), cell=getattr(shell, "execution_count", None), session=session, cancel=Cancel())
    panel = getattr(output, "panel", None)
    if panel is not None:
        panel.on_msg(lambda _widget, content, _buffers: _on_panel_message(job, content))
    job.thread = threading.Thread(target=_run, args=(job, output, tools),
                                  name=f"vibe-bg-{job.id}", daemon=True)
    with _lock:
        _jobs[job.id] = job
        _hook_exit()
    job.thread.start()  # nothing printed: the cell's outputs must be those a replay (foreground) leaves
    return job


def _on_panel_message(job: Job, content: Any) -> None:
    if isinstance(content, dict) and content.get("type") == "stop":
        job.cancel.stop()


def _run(job: Job, output: Any, tools: CellTools) -> None:
    """The job's thread: stream, store (the session does), then the final output by display id."""
    try:
        try:
            for event in job.session.stream(cancel=job.cancel):
                output.event(event)
        finally:  # not cell.finish: its --format code payload would land on whatever cell runs next
            output.finish(job.session.record())
        failed = job.session.failures()
        job.status = failed[0].status if failed else "complete"
        if failed and failed[0].status == "error":
            try:
                job.session.raise_for_error()
            except Exception as exc:  # kept for `%vibe wait`, which raises it in its own cell
                job.error = exc
    except BaseException as exc:  # a bug or a broken store: `%vibe wait` shows it, the thread ends
        job.status, job.error = "error", exc
    finally:
        tools.close()
        job.done.set()


def find(job_id: str | int) -> Job:
    """The job with this id (a clear InputError when there is none)."""
    try:
        key = int(job_id)
    except (TypeError, ValueError):
        key = -1
    with _lock:
        job = _jobs.get(key)
    if job is None:
        known = ", ".join(str(i) for i in sorted(_jobs)) or "none"
        raise InputError(f"No background answer {job_id!r} in this kernel (known: {known}).",
                         hint="%vibe jobs lists the background answers and their ids.")
    return job


def all_jobs() -> list[Job]:
    with _lock:
        return list(_jobs.values())


def running() -> list[Job]:
    return [job for job in all_jobs() if not job.done.is_set()]


def unwaited() -> list[Job]:
    """What a plain `%vibe wait` waits for: running jobs, and ended ones no wait has seen yet
    (so a job that failed before the wait still raises there)."""
    return [job for job in all_jobs() if not job.waited]


def wait(jobs: list[Job], timeout: float | None = None) -> None:
    """Block until every job ends; then raise the first failure (KeyboardInterrupt stops waiting)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    for job in jobs:
        while not job.done.wait(0.05):  # short waits: Ctrl+C / Stop reaches this cell
            if deadline is not None and time.monotonic() > deadline:
                raise InputError(f"Background answer {job.id} is still running after {timeout:g} s.",
                                 hint=f"Wait longer, or stop it with %vibe cancel {job.id}.")
    for job in jobs:
        job.waited = True
    for job in jobs:
        if job.error is not None:
            raise job.error


def cancel(job: Job) -> None:
    job.cancel.stop()


def _hook_exit() -> None:
    global _hooked
    if not _hooked:
        atexit.register(cancel_all)
        _hooked = True


def cancel_all(wait_seconds: float = SHUTDOWN_WAIT_SECONDS) -> None:
    """Kernel shutdown / restart: stop every job and let it store its partial answer."""
    jobs = running()
    for job in jobs:
        job.cancel.stop()
    deadline = time.monotonic() + wait_seconds
    for job in jobs:
        job.done.wait(max(0.0, deadline - time.monotonic()))


# -- `%vibe jobs | wait [ID] | cancel ID` -------------------------------------------------
def jobs_command(shell: Any, args: list[str]) -> None:
    """`%vibe jobs`: the background answers of this kernel (running ones, and ended ones)."""
    from IPython.display import display

    from ..notebook.render import table_bundle

    rows = [(job.id, "" if job.cell is None else f"[{job.cell}]", ", ".join(job.agents) or "(no agent)",
             f"{job.elapsed():.1f} s" if not job.done.is_set() else "", job.status) for job in all_jobs()]
    display(table_bundle(("id", "cell", "agents", "elapsed", "status"), rows, caption="Background answers"), raw=True)


def wait_command(shell: Any, args: list[str]) -> None:
    """`%vibe wait [ID]`: block until that job (or every job not waited for yet) ends; raise its failure."""
    if len(args) > 1:
        raise InputError("%vibe wait takes at most one job id.", hint="%vibe wait, or %vibe wait 2.")
    wait([find(args[0])] if args else unwaited())


def cancel_command(shell: Any, args: list[str]) -> None:
    """`%vibe cancel ID`: stop a background answer; its partial text is kept (stored, and in its cell)."""
    if len(args) != 1:
        raise InputError("%vibe cancel takes one job id.", hint="%vibe jobs lists the ids.")
    job = find(args[0])
    cancel(job)
    job.done.wait(SHUTDOWN_WAIT_SECONDS)
    print(f"Background answer {job.id}: {job.status}.")
