"""The headless runner: one run per delivery then the publishing run, values in memory, and
every value let go once the last step that reads it has run."""

import dagster as dg

from assets.deliveries import PUBLISH_JOB
from assets.factory import build_definitions
from assets.runner import consumers, planned_runs, run_pipeline
from assets.storage import InProcessIOManager
from lineage_pipeline.settings import Settings


def test_readers_of_each_asset_in_the_publishing_run(project: Settings) -> None:
    defs = build_definitions(project)
    users = consumers(defs, PUBLISH_JOB)
    records = dg.AssetKey(["sources", "crm", "records"])
    # The records feed standardise, merge and the delivery report, not the publish step.
    assert {k for k in users[records] if isinstance(k, dg.AssetKey)} == {
        dg.AssetKey(["sources", "crm", "identities"]),
        dg.AssetKey("customer_fields"),
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
