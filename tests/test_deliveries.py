"""Deliveries one file at a time (lineage_pipeline.deliveries): keys, reading, joining, status."""

import shutil

from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.deliveries import (
    delivery_key,
    delivery_keys,
    delivery_path,
    delivery_status,
)
from lineage_pipeline.ingest import ingest_delivery, ingest_source, join_deliveries
from tests.conftest import NOW


def vendor(project):
    return load_contracts(project.contracts_dir).get("vendor")


def test_a_key_is_the_path_below_the_glob_and_leads_back_to_the_file(project):
    contract = vendor(project)
    [path] = contract.delivery_files()
    assert delivery_keys(contract) == ["vendor_2026-10-01.csv"]
    assert delivery_path(contract, "vendor_2026-10-01.csv") == path
    nested = path.parent / "2026" / "12.csv"
    nested.parent.mkdir()
    shutil.copy(path, nested)
    assert delivery_key(contract, nested) == "2026/12.csv"


def test_joined_deliveries_equal_reading_the_source_whole(project):
    contract = vendor(project)
    [first] = contract.delivery_files()
    second = first.with_name("vendor_2026-11-01.csv")
    second.write_text(first.read_text().replace("V1,", "V91,"))  # one record changed
    parts = [ingest_delivery(contract, p, NOW) for p in reversed(contract.delivery_files())]
    joined = join_deliveries(contract, parts)
    whole = ingest_source(contract, NOW)
    assert [d.path for d in joined.deliveries] == [str(first), str(second)]  # path order
    assert joined.records.equals(whole.records)
    assert len(joined.records) == 2 * len(parts[0].records)


def test_the_same_content_under_two_names_is_read_once(project):
    contract = vendor(project)
    [first] = contract.delivery_files()
    again = first.with_name("vendor_2026-12-01.csv")
    again.write_bytes(first.read_bytes())
    joined = join_deliveries(
        contract, [ingest_delivery(contract, again, NOW), ingest_delivery(contract, first, NOW)]
    )
    assert [(d.path, d.duplicate_of, d.rows) for d in joined.deliveries] == [
        (str(first), None, joined.deliveries[0].rows),
        (str(again), str(first), 0),
    ]
    assert set(joined.records["_delivery"]) == {str(first)}


def test_a_rejected_file_is_reported_with_no_rows(project):
    contract = vendor(project)
    [first] = contract.delivery_files()
    empty = first.with_name("vendor_2026-11-01.csv")
    empty.write_text(first.read_text().splitlines()[0] + "\n")
    part = ingest_delivery(contract, empty, NOW)
    [info] = part.deliveries
    assert info.error == f"vendor: {empty}: has a header but no rows"
    assert part.records.empty
    assert "vid" in part.records.columns  # the columns are kept, for the checks


def test_status_says_what_the_warehouse_made_of_each_file(project):
    from assets.runner import run_pipeline

    contracts = load_contracts(project.contracts_dir)
    assert {r["status"] for r in delivery_status(contracts, project.warehouse_path)} == {"new"}
    assert run_pipeline(project).success
    [first] = vendor(project).delivery_files()
    first.with_name("vendor_2026-12-01.csv").write_text(first.read_text().replace("V1,", "V9,"))
    first.write_text(first.read_text().replace("V2,", "V8,"))
    status = {
        (r["source"], r["delivery"]): (r["status"], r["rows"])
        for r in delivery_status(load_contracts(project.contracts_dir), project.warehouse_path)
    }
    assert status[("vendor", "vendor_2026-10-01.csv")][0] == "changed"
    assert status[("vendor", "vendor_2026-12-01.csv")] == ("new", None)
    assert status[("crm", "crm_2026-11-01.csv")] == ("ingested", 6)
