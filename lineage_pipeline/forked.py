"""Independent tasks run on every core: this process and forked workers take tasks in turn until
none are left, and each task's result comes back (pickled) in task order.

A worker is a fork, so it reads this process's memory as it stood (copy-on-write): no input is
pickled, only results are, which suits pure work with small results (a quality gate's verdicts)
in a stage that would otherwise hold one core while the other idles. Where there is no fork
(Windows), one worker is asked for, or the call is nested in another's tasks, they run here in
turn. `LINEAGE_WORKERS` sets the number of processes (default: the cores this process may use).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from lineage_pipeline.errors import LineageError
from lineage_pipeline.heap import private_mb, status_mb, trim

T = TypeVar("T")
WORKERS_ENV = "LINEAGE_WORKERS"
_sharing = False  # tasks are being shared out: a nested call runs its own in turn
_peak_mb = 0.0  # the most memory workers of one call held at once, since `take_worker_peak_mb`


def workers() -> int:
    """Processes to share tasks among: `LINEAGE_WORKERS`, else the cores this process may use."""
    asked = os.environ.get(WORKERS_ENV)
    if asked is not None:
        if not asked.isdigit() or int(asked) < 1:
            raise LineageError(f"{WORKERS_ENV} must be 1 or more, not {asked!r}")
        return int(asked)
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def take_worker_peak_mb() -> float:
    """The most memory the workers of any one call held beyond this process since the last
    take (MB): what a process's own peak leaves out. An upper bound: each worker counts its
    heap's growth and every page it copied on write."""
    global _peak_mb
    peak, _peak_mb = _peak_mb, 0.0
    return peak


def run_tasks(tasks: Sequence[Callable[[], T]], parallel: bool = True) -> list[T]:
    """Every task's result, in task order; `parallel=False` runs them here in turn (for work
    too small to pay for a fork). A task's exception is raised here, with the worker's
    traceback as a note; a worker that dies has its unfinished tasks run here instead."""
    global _sharing, _peak_mb
    count = min(workers(), len(tasks)) if parallel else 1
    if count < 2 or _sharing or not hasattr(os, "fork"):
        return [task() for task in tasks]
    try:
        claims = multiprocessing.get_context("fork").Value("l", 0)
    except OSError:  # no shared memory for the counter (a locked-down /dev/shm): one process
        return [task() for task in tasks]
    children = [_start(tasks, claims) for _ in range(count - 1)]
    _sharing = True
    try:
        done = {i: _Outcome(tasks[i]()) for i in _claimed(claims, len(tasks))}
    except BaseException:
        for child in children:
            child.stop()
        raise
    finally:
        _sharing = False
    for child in children:
        done |= child.collect()
    _peak_mb = max(_peak_mb, sum(child.extra_mb for child in children))
    lost = [i for i in range(len(tasks)) if i not in done]
    if lost:
        warnings.warn(
            f"a worker process ended early; its {len(lost)} task(s) ran in the parent",
            RuntimeWarning,
            stacklevel=2,
        )
        done |= {i: _Outcome(tasks[i]()) for i in lost}
    return [done[i].value() for i in range(len(tasks))]


def _claimed(claims: Any, total: int) -> Iterator[int]:
    """The next unclaimed task, for whichever process asks first, until none are left."""
    while True:
        with claims.get_lock():
            position = claims.value
            claims.value += 1
        if position >= total:
            return
        yield position


@dataclass
class _Outcome:
    result: Any = None
    error: BaseException | None = None
    where: str = ""  # the worker's traceback, for an error raised there

    def value(self) -> Any:
        if self.error is None:
            return self.result
        if self.where:
            self.error.add_note(self.where)
        raise self.error


@dataclass
class _Child:
    pid: int
    reader: int
    extra_mb: float = 0.0

    def collect(self) -> dict[int, _Outcome]:
        chunks = []
        with os.fdopen(self.reader, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        os.waitpid(self.pid, 0)
        if not chunks:
            return {}
        try:
            outcomes, self.extra_mb = pickle.loads(b"".join(chunks))
        except Exception:  # a worker cut off mid-write: its tasks run again in the parent
            return {}
        return outcomes

    def stop(self) -> None:
        os.close(self.reader)
        os.kill(self.pid, signal.SIGKILL)  # not yet reaped, so the pid is still this child's
        os.waitpid(self.pid, 0)


def _start(tasks: Sequence[Callable[[], Any]], claims: Any) -> _Child:
    reader, writer = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns on forking a process with threads; the worker starts none and
        # takes no lock those threads hold (it runs only the tasks, then exits).
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid:
        os.close(writer)
        return _Child(pid, reader)
    os.close(reader)
    _work(tasks, claims, writer)  # never returns


def _work(tasks: Sequence[Callable[[], Any]], claims: Any, writer: int) -> NoReturn:
    global _sharing
    _sharing = True
    status = 1
    try:
        # Inherited objects stay out of this worker's collections: a collection writes to every
        # object it scans, which would copy the parent's pages for nothing.
        gc.freeze()
        start_mb = status_mb("VmRSS") or 0.0
        outcomes = {i: _run(tasks[i]) for i in _claimed(claims, len(tasks))}
        trim()  # freed heap is not held: what stays private is what the worker copied
        extra = max(0.0, (status_mb("VmHWM") or 0.0) - start_mb) + (private_mb() or 0.0)
        try:
            payload = pickle.dumps((outcomes, extra), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # a result or exception that cannot be pickled
            raise LineageError(f"a worker's results could not be sent back: {error}") from error
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(payload)
        status = 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(status)  # no exit handlers: they belong to the parent


def _run(task: Callable[[], Any]) -> _Outcome:
    try:
        return _Outcome(task())
    except Exception as error:
        where = f"raised in worker process {os.getpid()}:\n{traceback.format_exc()}"
        try:
            pickle.dumps(error)
        except Exception:
            error = LineageError(f"{type(error).__name__}: {error}")
        return _Outcome(error=error, where=where)
