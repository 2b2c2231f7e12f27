"""Memory handed back between steps: cycles collected inside a run, the imports left alone."""

import gc
import subprocess
import sys
import weakref

import pyarrow as pa

from assets.memory import release_freed, run_memory
from tests.conftest import REPO


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


PREPARED_THEN_VALIDATED = """
import sys
import pandas as pd
from lineage_pipeline.quality.validation import prepare, validate
from tests.test_quality_validation import SUITE

prepare()
before = set(sys.modules)
[result] = validate(SUITE, pd.DataFrame({"name": ["x", None]}), "asset")
assert not result.success
print(sorted(m for m in set(sys.modules) - before if m.startswith("great_expectations")))
"""


def test_after_prepare_a_validation_imports_nothing_a_run_would_not_have_frozen():
    # A fresh interpreter: this one may have imported GX already.
    done = subprocess.run(
        [sys.executable, "-c", PREPARED_THEN_VALIDATED],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"
