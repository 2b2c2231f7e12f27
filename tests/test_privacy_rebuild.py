"""Rebuild-and-swap: privacy operations never leave a half-written file, and a run that read
the warehouse before an operation cannot publish over it."""

from pathlib import Path

import pytest

from lineage_pipeline.errors import PublishBlockedError
from lineage_pipeline.privacy.erase import erase
from lineage_pipeline.privacy.rebuild import Plan, rebuild
from lineage_pipeline.publish import publish
from lineage_pipeline.settings import Settings
from lineage_pipeline.warehouse import operation_lock, read_state
from tests.privacy_support import build_template, contracts_of, copy_of, file_sha256, scalar


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_template(tmp_path_factory.mktemp("rebuild"))


@pytest.fixture
def warehouse(template: Settings, tmp_path: Path) -> Settings:
    return copy_of(template, tmp_path)


def test_a_failed_rebuild_leaves_the_published_file_untouched(warehouse: Settings):
    before = file_sha256(warehouse.warehouse_path)
    broken = Plan(queries={"customers": ("SELECT * FROM no_such_table", [])})
    with pytest.raises(Exception, match="no_such_table"), operation_lock(warehouse.warehouse_path):
        rebuild(warehouse.warehouse_path, "broken", broken, warehouse.pinned_now)
    assert file_sha256(warehouse.warehouse_path) == before
    assert list(warehouse.warehouse_path.parent.glob("*.rebuilding*")) == []


def test_an_unchanged_rebuild_keeps_every_row_and_the_views(warehouse: Settings):
    customers = scalar(warehouse, "SELECT count(*) FROM customers")
    values = scalar(warehouse, "SELECT count(*) FROM customer_fields")
    with operation_lock(warehouse.warehouse_path):
        counts = rebuild(warehouse.warehouse_path, "copy", Plan(), warehouse.pinned_now)
    assert counts["customers"] == customers
    assert counts["customer_fields"] == values
    assert scalar(warehouse, "SELECT count(*) FROM purpose_analytics.customers") == customers


def test_a_run_that_read_the_warehouse_before_an_erasure_does_not_publish(warehouse: Settings):
    state = read_state(warehouse.warehouse_path)  # a run starts ...
    erase(warehouse, "C1", contracts_of(warehouse))  # ... an erasure completes meanwhile ...
    with pytest.raises(PublishBlockedError, match="privacy operation"):
        publish(warehouse.warehouse_path, "late-run", state.tables, expected=state.fingerprint)
    assert scalar(warehouse, "SELECT count(*) FROM customers WHERE customer_id = 'C1'") == 0
    assert scalar(warehouse, "SELECT count(*) FROM privacy_requests WHERE kind = 'erase'") == 1
