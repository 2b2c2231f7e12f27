"""The headless runner: one run per delivery then the publishing run, values in memory, and
every value let go once the last step that reads it has run. Checks shared with forked workers
inside Dagster's steps give what one process gives."""

import gc
import weakref
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pytest

from assets.checks import evaluation_result
from assets.deliveries import PUBLISH_JOB
from assets.factory import build_definitions
from assets.runner import consumers, planned_runs, run_pipeline
from assets.storage import InProcessIOManager
from lineage_pipeline import forked
from lineage_pipeline.quality import validation
from lineage_pipeline.settings import Settings


def test_readers_of_each_asset_in_the_publishing_run(project: Settings) -> None:
    defs = build_definitions(project)
    users = consumers(defs, PUBLISH_JOB)
    records = dg.AssetKey(["sources", "crm", "records"])
    # The records feed standardise, merge and the delivery report, not the publish step.
    assert {k for k in users[records] if isinstance(k, dg.AssetKey)} == {
        dg.AssetKey(["sources", "crm", "identities"]),
        dg.AssetKey(["sources", "crm", "kept"]),
        dg.AssetKey("customer_fields"),
        dg.AssetKey("delivery_report"),
    }
    # Identities are read by linking and their own checks only: a run lets them go before the
    # merge, whose readers take the kept records instead.
    customers = dg.AssetKey(["sources", "crm", "identities"])
    assert {k for k in users[customers] if isinstance(k, dg.AssetKey)} == {
        dg.AssetKey(["sources", "vendor", "links"]),
        dg.AssetKey(["sources", "register", "links"]),
    }
    assert {k.asset_key for k in users[customers] if isinstance(k, dg.AssetCheckKey)} == {customers}
    kept = dg.AssetKey(["sources", "crm", "kept"])
    assert {k for k in users[kept] if isinstance(k, dg.AssetKey)} == {
        dg.AssetKey("customer_fields"),
        dg.AssetKey("customers"),
        dg.AssetKey("delivery_report"),
    }
    fields_checks = {
        k.name for k in users[dg.AssetKey("customer_fields")] if isinstance(k, dg.AssetCheckKey)
    }
    assert "one_current_value_per_customer_field" in fields_checks
    assert dg.AssetKey("warehouse") in users[dg.AssetKey("customer_fields")]


def test_a_run_lets_go_of_every_value_once_read(project: Settings) -> None:
    io_manager = InProcessIOManager()
    outcome = run_pipeline(project, io_manager=io_manager)
    assert outcome.success
    assert len(planned_runs(project)) > 1  # values crossed runs before being let go
    held = {k.to_user_string() for k in io_manager.held()}
    assert not held, f"still held after the run: {sorted(held)}"


class WatchedIOManager(InProcessIOManager):
    """Remembers a weak reference to every value it was handed."""

    def __init__(self) -> None:
        super().__init__()
        self.watched: dict[str, weakref.ref] = {}

    def handle_output(self, context: dg.OutputContext, obj: object) -> None:
        super().handle_output(context, obj)
        partition = f"[{context.asset_partition_key}]" if context.has_asset_partitions else ""
        self.watched[context.asset_key.to_user_string() + partition] = weakref.ref(obj)


def test_a_value_let_go_is_freed_while_the_runs_results_live_on(project: Settings) -> None:
    """Dagster's execute_in_process keeps every output for its result; the runner's values
    must not live on there (at 1M customers that held gigabytes to the end of the run)."""
    io_manager = WatchedIOManager()
    outcome = run_pipeline(project, io_manager=io_manager)
    assert outcome.success
    assert outcome.results  # the results are still referenced here
    gc.collect()
    alive = sorted(name for name, ref in io_manager.watched.items() if ref() is not None)
    assert len(io_manager.watched) > 10
    assert not alive, f"still alive after being let go: {alive}"


def _check_results(settings: Settings) -> list:
    outcome = run_pipeline(settings)
    assert outcome.success
    return sorted(
        (evaluation_result(e) for e in outcome.check_evaluations()),
        key=lambda r: (r.asset, r.expectation),
    )


def test_checks_shared_with_workers_in_a_run_equal_one_process(
    project: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(forked.WORKERS_ENV, "1")
    alone = _check_results(replace(project, warehouse_path=tmp_path / "alone.duckdb"))
    monkeypatch.setenv(forked.WORKERS_ENV, "2")
    monkeypatch.setattr(validation, "FORK_ROWS", 0)  # every suite of the small project forks
    forked.take_worker_peak_mb()
    shared = _check_results(replace(project, warehouse_path=tmp_path / "shared.duckdb"))
    assert forked.take_worker_peak_mb() > 0
    assert len(shared) > 50
    assert shared == alone
