"""Purpose views and purpose exports hold only what each purpose may use."""

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy.purposes import catalogue, export_purpose, lineage, schema_name
from lineage_pipeline.privacy.restrict import restrict
from lineage_pipeline.settings import Settings
from tests.privacy_support import assert_only_allowed, build_template, copy_of, materialise, query

PURPOSES = ["service", "marketing", "marketing.email", "marketing.ads", "analytics"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_template(tmp_path_factory.mktemp("purposes"))


@pytest.fixture
def warehouse(template: Settings, tmp_path: Path) -> Settings:
    return copy_of(template, tmp_path)


def allowed_fields(settings: Settings, purpose: str) -> set[str]:
    contracts = load_contracts(settings.contracts_dir)
    return {u.field for u in catalogue(contracts)[purpose]}


def test_lineage_walks_up_the_taxonomy():
    assert lineage("marketing.email") == ["marketing.email", "marketing"]
    assert schema_name("marketing.email") == "purpose_marketing_email"


@pytest.mark.parametrize("purpose", PURPOSES)
def test_view_and_exported_files_hold_no_field_outside_the_purpose(
    warehouse: Settings, tmp_path: Path, purpose: str
):
    view = query(warehouse, f"SELECT * FROM {schema_name(purpose)}.customers")
    assert len(view) == 6
    assert_only_allowed(warehouse, purpose, view, allowed_fields(warehouse, purpose))
    parquet = export_purpose(warehouse.warehouse_path, purpose, tmp_path / "out.parquet")
    from_parquet = pq.read_table(tmp_path / "out.parquet").to_pandas()
    export_purpose(warehouse.warehouse_path, purpose, tmp_path / "out.duckdb")
    with duckdb.connect(str(tmp_path / "out.duckdb"), read_only=True) as con:
        from_duckdb = con.execute("SELECT * FROM customers ORDER BY customer_id").df()
        assert [r[0] for r in con.execute("SHOW TABLES").fetchall()] == ["customers"]
    for frame in (parquet, from_parquet, from_duckdb):
        assert_only_allowed(warehouse, purpose, frame, allowed_fields(warehouse, purpose))
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), view, check_dtype=False)


def test_a_child_purpose_inherits_its_parent_but_not_its_sibling(warehouse: Settings):
    email = set(query(warehouse, "SELECT * FROM purpose_marketing_email.customers").columns)
    ads = set(query(warehouse, "SELECT * FROM purpose_marketing_ads.customers").columns)
    assert "job_title" in email
    assert "job_title" in ads
    assert "email" in email
    assert "email" not in ads


def test_values_past_expiry_leave_the_views_even_before_the_next_run(warehouse: Settings):
    """A rebuild with a later clock (here: a restriction of someone else) regenerates the views;
    vendor values (365 days from 2026-10-01) are then past expiry."""
    later = Settings(
        contracts_dir=warehouse.contracts_dir,
        warehouse_path=warehouse.warehouse_path,
        pinned_now=pd.Timestamp("2027-10-02").to_pydatetime(),
    )
    assert (
        query(warehouse, "SELECT job_title FROM purpose_marketing.customers")["job_title"]
        .notna()
        .any()
    )
    restrict(later, "C6", ["analytics"])
    assert (
        query(warehouse, "SELECT job_title FROM purpose_marketing.customers")["job_title"]
        .isna()
        .all()
    )


def test_unknown_purpose_and_wrong_suffix_are_plain_errors(warehouse: Settings, tmp_path: Path):
    with pytest.raises(LineageError, match="unknown purpose 'sales'"):
        export_purpose(warehouse.warehouse_path, "sales", tmp_path / "x.parquet")
    with pytest.raises(LineageError, match=r"\.duckdb or \.parquet"):
        export_purpose(warehouse.warehouse_path, "analytics", tmp_path / "x.csv")


@pytest.fixture(scope="module")
def samples(samples_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(
        contracts_dir=samples_copy / "contracts",
        warehouse_path=tmp_path_factory.mktemp("samples_purposes") / "warehouse.duckdb",
        pinned_now=datetime(2026, 11, 25, 12),
    )
    materialise(settings)
    return settings


def test_every_sample_purpose_view_and_file_hold_only_what_it_allows(
    samples: Settings, tmp_path: Path
):
    purposes = load_contracts(samples.contracts_dir).taxonomy.purposes
    for purpose in purposes:
        allowed = allowed_fields(samples, purpose)
        view = query(samples, f"SELECT * FROM {schema_name(purpose)}.customers")
        assert len(view) == 3000
        assert_only_allowed(samples, purpose, view, allowed)
        for suffix in (".parquet", ".duckdb"):
            written = export_purpose(samples.warehouse_path, purpose, tmp_path / f"p{suffix}")
            assert_only_allowed(samples, purpose, written, allowed)
            assert list(written.columns) == list(view.columns)
    # The samples' fields the taxonomy keeps apart really are kept apart.
    ads = set(query(samples, "SELECT * FROM purpose_marketing_ads.customers").columns)
    assert "household_income_band" in ads
    assert "email" not in ads
