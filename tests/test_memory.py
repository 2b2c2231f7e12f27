"""Memory handed back between steps: cycles collected inside a run, the imports left alone."""

import gc
import weakref

import pyarrow as pa

from assets.memory import release_freed, run_memory


class Node:
    def __init__(self) -> None:
        self.partner: Node | None = None


def _cycle() -> weakref.ref:
    first, second = Node(), Node()
    first.partner, second.partner = second, first
    return weakref.ref(first)


def test_a_cycle_made_in_a_run_is_collected_when_a_step_ends():
    gc.disable()  # only release_freed may collect here
    try:
        with run_memory():
            made = _cycle()
            assert made() is not None  # unreachable, but nothing has collected it yet
            release_freed()
            assert made() is None
    finally:
        gc.enable()


def test_objects_from_before_the_run_are_collected_first_and_frozen_only_during_it():
    gc.disable()
    try:
        earlier = _cycle()
        with run_memory():
            assert earlier() is None  # collected before the freeze, not kept for good
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_arrow_allocates_from_the_system_heap_during_a_run_only():
    before = pa.default_memory_pool().backend_name
    with run_memory():
        assert pa.default_memory_pool().backend_name == "system"
        assert pa.array(["a", "b"]).nbytes > 0
    assert pa.default_memory_pool().backend_name == before
