"""Run one measured job in a fresh interpreter, relaying its progress, with a time limit.

Input: a module-level function `job(emit, *args)`; `emit(kind, payload)` sends an event back.
Output: the events in order, the final ("done", result) payload, or why there is none.
Invariant: each contender gets its own process, so its peak memory holds nothing of another's.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Emit = Callable[[str, Any], None]
POLL_SECONDS = 1.0


@dataclass
class ChildOutcome:
    result: Any = None
    events: list[tuple[str, Any]] = field(default_factory=list)
    error: str | None = None
    timed_out: bool = False
    seconds: float = 0.0


def _quiet(log: str) -> None:
    """Send this process's own output (Dagster's console log, warnings) to a file."""
    handle = open(log, "a", encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
        os.dup2(handle.fileno(), stream.fileno())


def _main(job: Callable[..., Any], args: tuple, events: mp.Queue, log: str | None) -> None:
    if log is not None:
        _quiet(log)
    try:
        result = job(lambda kind, payload: events.put((kind, payload)), *args)
        events.put(("done", result))
    except BaseException:  # report anything, the parent decides
        events.put(("error", traceback.format_exc()))


def run_child(
    job: Callable[..., Any],
    args: tuple,
    timeout: float | None = None,
    on_event: Callable[[str, Any], None] | None = None,
    log: Path | None = None,
) -> ChildOutcome:
    """Run `job(emit, *args)` in a spawned process; stop it after `timeout` seconds. The
    process's own output goes to `log` when given."""
    context = mp.get_context("spawn")  # a fresh interpreter: no memory shared with the parent
    events = context.Queue()
    process = context.Process(
        target=_main, args=(job, args, events, None if log is None else str(log)), daemon=True
    )
    outcome = ChildOutcome()
    started = time.perf_counter()
    process.start()
    deadline = None if timeout is None else started + timeout
    while True:
        if deadline is not None and time.perf_counter() > deadline:
            process.terminate()
            outcome.timed_out = True
            break
        try:
            kind, payload = events.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if not process.is_alive():
                outcome.error = f"the benchmark process died (exit code {process.exitcode})"
                break
            continue
        if kind == "done":
            outcome.result = payload
            break
        if kind == "error":
            outcome.error = payload
            break
        outcome.events.append((kind, payload))
        if on_event is not None:
            on_event(kind, payload)
    process.join(timeout=30)
    if process.is_alive():
        process.kill()
        process.join()
    outcome.seconds = time.perf_counter() - started
    return outcome
