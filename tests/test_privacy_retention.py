"""Retention: expired values leave customers and purpose views; old history leaves after grace."""

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from assets.factory import build_definitions, resources
from assets.privacy import retention
from lineage_pipeline.privacy.retention import sweep
from lineage_pipeline.settings import Settings
from lineage_pipeline.warehouse import fingerprint
from tests.privacy_support import build_template, copy_of, file_sha256, query, scalar

AFTER_EXPIRY = datetime(2027, 10, 15)  # vendor values (365 days from 2026-10-01) expired
AFTER_GRACE = datetime(2027, 11, 15)  # ... and past the 30-day grace


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_template(tmp_path_factory.mktemp("retention"))


@pytest.fixture
def warehouse(template: Settings, tmp_path: Path) -> Settings:
    return copy_of(template, tmp_path)


def vendor_rows(settings: Settings) -> int:
    return scalar(settings, "SELECT count(*) FROM customer_fields WHERE source = 'vendor'")


def test_nothing_expired_means_nothing_rewritten(warehouse: Settings):
    inode = warehouse.warehouse_path.stat().st_ino
    receipt = sweep(warehouse)
    assert receipt.counts == {"customer_fields": 0, "values_expired": 0}
    assert warehouse.warehouse_path.stat().st_ino == inode
    assert scalar(warehouse, "SELECT count(*) FROM privacy_requests") == 0


def test_nothing_expired_leaves_the_file_untouched_byte_for_byte(warehouse: Settings):
    path = warehouse.warehouse_path
    before, digest = fingerprint(path), file_sha256(path)
    receipt = sweep(warehouse)
    assert receipt.notes == ["nothing has expired; the warehouse was not rewritten"]
    assert (fingerprint(path), file_sha256(path)) == (before, digest)
    assert sorted(p.name for p in path.parent.iterdir()) == [f".{path.name}.lock", path.name]


def test_only_customers_with_expired_values_are_rewritten_in_order(warehouse: Settings):
    untouched = (
        "SELECT * FROM customer_fields WHERE customer_id NOT IN "
        "(SELECT customer_id FROM customer_fields WHERE source = 'vendor') "
        "ORDER BY customer_id, field, source, valid_from"
    )
    before = query(warehouse, untouched)
    profiles = query(warehouse, "SELECT * FROM customers ORDER BY customer_id")
    assert set(before["customer_id"]) == {"C3", "C4", "C5", "C6"}  # no vendor values

    receipt = sweep(replace(warehouse, pinned_now=AFTER_EXPIRY))
    assert receipt.counts["customers_changed"] == 2  # C1 and C2 lose their vendor values
    assert query(warehouse, untouched).equals(before)
    after = query(warehouse, "SELECT * FROM customers ORDER BY customer_id")
    assert list(after["customer_id"]) == list(profiles["customer_id"])
    kept = ~profiles["customer_id"].isin(["C1", "C2"])
    assert after[kept].reset_index(drop=True).equals(profiles[kept].reset_index(drop=True))
    # Stored by customer, as a run stores it, so a lookup by customer_id reads one row group.
    stored = query(warehouse, "SELECT customer_id FROM customer_fields")["customer_id"]
    assert list(stored) == sorted(stored)


def test_expired_values_leave_customers_and_views_then_history(warehouse: Settings):
    held = vendor_rows(warehouse)
    assert query(warehouse, "SELECT job_title FROM customers")["job_title"].notna().any()

    receipt = sweep(replace(warehouse, pinned_now=AFTER_EXPIRY))
    assert receipt.counts["values_expired"] == held
    assert vendor_rows(warehouse) == held  # still history, inside the grace period
    assert query(warehouse, "SELECT job_title, company_size FROM customers").isna().all().all()
    analytics = query(warehouse, "SELECT * FROM purpose_analytics.customers")
    assert analytics[["job_title", "company_size"]].isna().all().all()
    assert (
        scalar(
            warehouse,
            "SELECT count(*) FROM customer_fields WHERE source = 'vendor' "
            "AND (valid_to IS NULL OR is_current OR valid_to <> expires_at)",
        )
        == 0
    )
    assert query(warehouse, "SELECT city FROM customers")["city"].notna().all()  # crm: 10 years

    receipt = sweep(replace(warehouse, pinned_now=AFTER_GRACE))
    assert receipt.counts["customer_fields"] == -held
    assert vendor_rows(warehouse) == 0
    log = query(warehouse, "SELECT kind, subject_key FROM privacy_requests")
    assert list(log["kind"]) == ["retention", "retention"]
    assert log["subject_key"].isna().all()


def test_the_retention_asset_sweeps_through_dagster(warehouse: Settings):
    later = replace(warehouse, pinned_now=AFTER_GRACE)
    result = dg.materialize([retention], resources=resources(later))
    assert result.success
    metadata = result.asset_materializations_for_node("retention")[0].metadata
    assert metadata["history_rows_removed"].value > 0
    assert vendor_rows(warehouse) == 0


def test_retention_runs_on_a_daily_schedule(warehouse: Settings):
    defs = build_definitions(warehouse)
    schedule = defs.resolve_schedule_def("daily_retention")
    assert schedule.cron_schedule == "0 3 * * *"
    assert schedule.job_name == "retention_job"
