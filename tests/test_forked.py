"""Tasks shared with forked workers: results in task order whoever ran them, a worker's error
raised in the parent with the worker's traceback, a dead worker's tasks run again; nested
calls and one worker stay in one process."""

import os
import time

import pytest

from lineage_pipeline import forked
from lineage_pipeline.errors import LineageError

PARENT = os.getpid()


def _slow_pid(seconds: float = 0.2) -> int:
    time.sleep(seconds)
    return os.getpid()


@pytest.fixture(autouse=True)
def two_workers(monkeypatch):
    monkeypatch.setenv(forked.WORKERS_ENV, "2")


def test_results_come_back_in_task_order_from_both_processes():
    tasks = [lambda i=i: (i, _slow_pid()) for i in range(6)]
    results = forked.run_tasks(tasks)
    assert [i for i, _ in results] == list(range(6))
    pids = {pid for _, pid in results}
    assert PARENT in pids
    assert len(pids) == 2  # the other half ran in the worker


def test_a_workers_memory_is_reported_once_then_reset():
    forked.take_worker_peak_mb()
    forked.run_tasks([_slow_pid, _slow_pid, lambda: bytearray(50 * 2**20)[:1]])
    assert forked.take_worker_peak_mb() > 0
    assert forked.take_worker_peak_mb() == 0


def _fails_in_worker() -> int:
    if os.getpid() != PARENT:
        raise ValueError("bad value in row 7")
    return _slow_pid(0.5)  # the parent stays busy, so the worker takes the other tasks


def test_an_error_in_a_worker_is_raised_here_with_its_traceback():
    with pytest.raises(ValueError, match="bad value in row 7") as raised:
        forked.run_tasks([_fails_in_worker, _fails_in_worker, _fails_in_worker])
    notes = "\n".join(getattr(raised.value, "__notes__", []))
    assert "raised in worker process" in notes
    assert "_fails_in_worker" in notes


def _dies_in_worker() -> int:
    if os.getpid() != PARENT:
        os._exit(3)
    return _slow_pid(0.5)


def test_a_dead_workers_tasks_run_in_the_parent():
    with pytest.warns(RuntimeWarning, match="ran in the parent"):
        results = forked.run_tasks([_dies_in_worker] * 3)
    assert results == [PARENT] * 3


def test_calls_inside_a_worker_and_with_one_worker_stay_in_one_process(monkeypatch):
    def nested() -> set[int]:
        time.sleep(0.2)
        return set(forked.run_tasks([_slow_pid, _slow_pid]))

    inner = forked.run_tasks([nested, nested])
    assert all(len(pids) == 1 for pids in inner)  # nested tasks stay where they were run
    monkeypatch.setenv(forked.WORKERS_ENV, "1")
    assert set(forked.run_tasks([_slow_pid, _slow_pid])) == {PARENT}
    assert set(forked.run_tasks([_slow_pid, _slow_pid], parallel=False)) == {PARENT}


def test_a_bad_worker_count_is_named(monkeypatch):
    monkeypatch.setenv(forked.WORKERS_ENV, "zero")
    with pytest.raises(LineageError, match="LINEAGE_WORKERS must be 1 or more, not 'zero'"):
        forked.run_tasks([_slow_pid])
