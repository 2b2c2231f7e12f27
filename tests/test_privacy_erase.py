"""Erase: the person leaves every table and the file's bytes, and later runs keep them out."""

import csv
import io
from pathlib import Path

import pytest

from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy.erase import erase
from lineage_pipeline.privacy.registry import PERSONAL_TABLES
from lineage_pipeline.settings import Settings
from tests.conftest import CUSTOMERS, NOW, VENDOR, write_project
from tests.privacy_support import contracts_of, materialise, query, rows_mentioning, scalar

ALICE = next(r for r in csv.DictReader(io.StringIO(CUSTOMERS)) if r["cust_no"] == "C1")
V1 = next(r for r in csv.DictReader(io.StringIO(VENDOR)) if r["vid"] == "V1")
# What a byte search must not find after erasure: her names, email and phone as delivered.
NEEDLES = [ALICE["given"], ALICE["family"], ALICE["mail"], ALICE["mobile"], "+447700900001"]
EXTRA_FIELDS = """\
  given_name: {column: given, purposes: [service], retention_days: 3650}
  surname: {column: family, purposes: [service], retention_days: 3650}
  phone: {column: mobile, purposes: [service], retention_days: 3650}
"""


@pytest.fixture
def personal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The tiny deployment, holding names and phones too, written uncompressed; plus a second
    customer extract whose row for C1 is quarantined (unreadable date of birth)."""
    monkeypatch.setenv("LINEAGE_FORCE_COMPRESSION", "uncompressed")
    contracts = write_project(tmp_path / "project")
    crm = contracts / "crm.yaml"
    crm.write_text(crm.read_text().replace("fields:\n", "fields:\n" + EXTRA_FIELDS))
    bad = (
        CUSTOMERS.splitlines()[0]
        + "\n"
        + CUSTOMERS.splitlines()[1].replace("1980-01-02", "31/31/1980")
    )
    (tmp_path / "project" / "deliveries" / "crm" / "crm_2026-11-02.csv").write_text(bad + "\n")
    settings = Settings(
        contracts_dir=contracts, warehouse_path=tmp_path / "wh" / "warehouse.duckdb", pinned_now=NOW
    )
    materialise(settings)
    return settings


def bytes_found(path: Path) -> list[str]:
    data = path.read_bytes()
    return [n for n in NEEDLES if n.encode() in data]


def test_erase_removes_every_row_and_every_byte_of_the_person(personal: Settings):
    before = rows_mentioning(personal, {"C1"}, set(NEEDLES))
    # Before: her values, her evidence and her quarantined row are all there, byte for byte.
    assert {"customer_fields", "customers", "match_evidence", "quarantine"} <= set(before)
    assert bytes_found(personal.warehouse_path) == NEEDLES[:4]  # E.164 is never stored

    receipt = erase(personal, "C1", contracts_of(personal))

    assert rows_mentioning(personal, {"C1"}, set(NEEDLES)) == {}
    assert bytes_found(personal.warehouse_path) == []
    assert not list(personal.warehouse_path.parent.glob("*.wal"))
    # The receipt counts exactly the rows found before (the quarantined row included).
    for table in ("customer_fields", "customers", "match_evidence", "quarantine"):
        assert receipt.counts[table] == -len(before[table])
    assert receipt.counts["suppressions"] >= 3  # customer id, email, phone, name + dob
    erasures = query(personal, "SELECT * FROM suppressions")
    assert set(erasures["scope"]) == {"all"}
    assert set(erasures["kind"]) == {"erasure"}
    assert set(PERSONAL_TABLES) <= set(receipt.counts)
    log = query(personal, "SELECT * FROM privacy_requests WHERE kind = 'erase'")
    assert len(log) == 1
    assert not any(n in str(log.to_dict()) for n in [*NEEDLES, "C1"])


def test_a_rerun_on_the_same_deliveries_does_not_bring_them_back(personal: Settings):
    with pytest.raises(LineageError, match="no customer 'C99'"):
        erase(personal, "C99", contracts_of(personal))
    erase(personal, "C1", contracts_of(personal))
    with pytest.raises(LineageError, match="was erased on"):
        erase(personal, "C1", contracts_of(personal))
    materialise(personal)
    assert rows_mentioning(personal, {"C1", V1["vid"]}, set(NEEDLES)) == {}
    assert bytes_found(personal.warehouse_path) == []
    assert scalar(personal, "SELECT count(*) FROM customers") == 5
    # Suppressed before linking: V1 (her vendor record) was never scored against anyone.
    assert (
        scalar(personal, "SELECT count(*) FROM match_evidence WHERE source_record_id = 'V1'") == 0
    )


def test_a_new_delivery_of_the_same_vendor_record_is_kept_out(personal: Settings, tmp_path: Path):
    erase(personal, "C1", contracts_of(personal))
    again = VENDOR.splitlines()[0] + "\n" + VENDOR.splitlines()[1].replace("V1,", "V1-NEW,") + "\n"
    (tmp_path / "project" / "deliveries" / "vendor" / "vendor_2026-11-20.csv").write_text(again)
    materialise(personal)
    assert (
        scalar(personal, "SELECT count(*) FROM match_evidence WHERE source_record_id = 'V1-NEW'")
        == 0
    )
    assert bytes_found(personal.warehouse_path) == []
