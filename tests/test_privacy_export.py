"""Subject access: the export lists every row SQL finds for the person, explained."""

import csv
import io
import json
from pathlib import Path

import pytest

from lineage_pipeline.privacy.export import subject_access
from lineage_pipeline.privacy.export_report import write_report
from lineage_pipeline.privacy.registry import PERSONAL_TABLES
from lineage_pipeline.privacy.restrict import restrict
from lineage_pipeline.settings import Settings
from tests.conftest import CUSTOMERS
from tests.privacy_support import (
    build_template,
    contracts_of,
    copy_of,
    query,
    rows_mentioning,
)

ALICE = next(r for r in csv.DictReader(io.StringIO(CUSTOMERS)) if r["cust_no"] == "C1")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_template(tmp_path_factory.mktemp("export"))


@pytest.fixture
def warehouse(template: Settings, tmp_path: Path) -> Settings:
    return copy_of(template, tmp_path)


def canonical(rows: list[dict]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)


def test_export_lists_every_row_sql_finds_for_the_person(warehouse: Settings):
    restrict(warehouse, "C1", ["marketing"])  # so suppressions and the request log hold rows too
    found = rows_mentioning(warehouse, {"C1"}, {ALICE["mail"]})
    document, _ = subject_access(warehouse, "C1", contracts_of(warehouse))
    for table, frame in found.items():
        assert table in PERSONAL_TABLES, f"{table} mentions the person but is not registered"
        exported = {json.dumps(r, sort_keys=True, default=str) for r in document["tables"][table]}
        from lineage_pipeline.privacy.export import records

        for row in canonical(records(frame)):
            assert row in exported, (table, row)
    # Hashed tables: found by key, not by text.
    assert len(document["tables"]["suppressions"]) == 1
    assert [r["kind"] for r in document["tables"]["privacy_requests"]] == ["restrict"]
    assert document["summary"]["customer_fields"] == len(found["customer_fields"])
    assert document["profile"]["email"] == ALICE["mail"]


def test_values_carry_source_purposes_legal_basis_and_retention(warehouse: Settings):
    document, _ = subject_access(warehouse, "C1", contracts_of(warehouse))
    job = next(v for v in document["values"] if v["field"] == "job_title")
    assert job["supplier"] == "Vendor Ltd"
    assert job["legal_basis"] == "legitimate_interests"
    assert job["retention_days"] == 365
    assert job["purposes"] == ["marketing", "analytics"]
    assert document["purposes"]["marketing"] == "Promoting our products"


def test_export_is_logged_without_raw_identifiers_and_reports_render(
    warehouse: Settings, tmp_path: Path
):
    document, receipt = subject_access(warehouse, "C1", contracts_of(warehouse))
    log = query(warehouse, "SELECT * FROM privacy_requests")
    assert list(log["kind"]) == ["access"]
    assert log["request_id"][0] == receipt.request_id
    assert "C1" not in str(log.to_dict())
    assert ALICE["mail"] not in str(log.to_dict())
    json_path, md_path = write_report(document, tmp_path / "out")
    assert json.loads(json_path.read_text())["subject"]["customer_id"] == "C1"
    report = md_path.read_text()
    assert "# What we hold about customer C1" in report
    assert "| job_title | Engineer | in use | vendor (Vendor Ltd)" in report
