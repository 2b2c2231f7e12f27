"""Subject access: the export lists every row SQL finds for the person, explained."""

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lineage_pipeline.errors import PublishBlockedError
from lineage_pipeline.privacy.export import subject_access
from lineage_pipeline.privacy.export_report import write_report
from lineage_pipeline.privacy.registry import PERSONAL_TABLES
from lineage_pipeline.privacy.restrict import restrict
from lineage_pipeline.privacy.selection import PREDICATES, params, select_query
from lineage_pipeline.publish import publish
from lineage_pipeline.settings import Settings
from lineage_pipeline.warehouse import fingerprint, read_state
from tests.conftest import CUSTOMERS
from tests.privacy_support import (
    build_template,
    contracts_of,
    copy_of,
    query,
    rows_mentioning,
    scalar,
)

ALICE = next(r for r in csv.DictReader(io.StringIO(CUSTOMERS)) if r["cust_no"] == "C1")
# An analyst's session in another process: one read-only connection held open throughout.
HOLDING_READER = """\
import sys, time
from pathlib import Path
import duckdb

warehouse, ready, stop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
con = duckdb.connect(warehouse, read_only=True)
sql = "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM privacy_requests)"
before = con.execute(sql).fetchone()
ready.write_text("open")
while not stop.exists():
    time.sleep(0.02)
print(*before, *con.execute(sql).fetchone())
"""


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


def test_export_logs_the_request_in_place_without_rebuilding_the_file(warehouse: Settings):
    path = warehouse.warehouse_path
    inode, before = path.stat().st_ino, fingerprint(path)
    with path.open("rb") as held:  # a plain reader (a backup, a copy) with the file open
        _, first = subject_access(warehouse, "C1", contracts_of(warehouse))
        _, second = subject_access(warehouse, "C2", contracts_of(warehouse))
        assert held.read(4)  # still readable
    assert path.stat().st_ino == inode
    assert fingerprint(path) != before  # so a run that read the old file will not publish
    log = query(warehouse, "SELECT request_id, kind FROM privacy_requests ORDER BY completed_at")
    assert sorted(log["request_id"]) == sorted([first.request_id, second.request_id])
    assert set(log["kind"]) == {"access"}
    beside = sorted(p.name for p in path.parent.iterdir())
    assert beside == [f".{path.name}.lock", path.name]  # no WAL, no rebuilt copy left


def test_a_reader_holding_the_file_open_is_not_disturbed(warehouse: Settings, tmp_path: Path):
    path = warehouse.warehouse_path
    inode = path.stat().st_ino
    script, ready, stop = tmp_path / "reader.py", tmp_path / "ready", tmp_path / "stop"
    script.write_text(HOLDING_READER)
    reader = subprocess.Popen(
        [sys.executable, str(script), str(path), str(ready), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert reader.poll() is None, reader.stdout.read()
            assert time.monotonic() < deadline, "the reader did not open the warehouse"
            time.sleep(0.02)
        # DuckDB cannot write a file another process has open, so the request is logged by
        # a rebuild-and-swap instead: the reader keeps its file, the request is still logged.
        _, receipt = subject_access(warehouse, "C1", contracts_of(warehouse))
        stop.touch()
        output, _ = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, output
    assert output.split() == ["6", "0", "6", "0"]  # its view never changed under it
    log = query(warehouse, "SELECT request_id FROM privacy_requests")
    assert list(log["request_id"]) == [receipt.request_id]
    assert path.stat().st_ino != inode  # swapped in beside the reader's file


def test_a_connection_this_process_holds_open_is_not_disturbed(warehouse: Settings):
    path = warehouse.warehouse_path
    with duckdb.connect(str(path), read_only=True) as held:  # e.g. a Dagster job's own reader
        _, receipt = subject_access(warehouse, "C1", contracts_of(warehouse))
        assert held.execute("SELECT count(*) FROM privacy_requests").fetchone()[0] == 0
    log = query(warehouse, "SELECT request_id FROM privacy_requests")
    assert list(log["request_id"]) == [receipt.request_id]


def test_a_run_that_read_the_warehouse_before_an_export_does_not_publish_over_it(
    warehouse: Settings,
):
    state = read_state(warehouse.warehouse_path)  # a run starts ...
    subject_access(warehouse, "C1", contracts_of(warehouse))  # ... an access is logged ...
    # ... so the run's file, which lacks the log row, is refused rather than dropping it.
    with pytest.raises(PublishBlockedError, match="privacy operation"):
        publish(warehouse.warehouse_path, "late-run", state.tables, expected=state.fingerprint)
    assert scalar(warehouse, "SELECT count(*) FROM privacy_requests WHERE kind = 'access'") == 1


def test_selecting_each_alternative_finds_exactly_the_rows_of_the_whole_predicate():
    # C1's own candidates, a candidate of C2 for a record linked to C1, the same for a row with
    # no customer, and an unrelated row: the first three are C1's (once each), the last is not.
    evidence = pd.DataFrame(
        {
            "source": ["vendor", "vendor", "vendor", "vendor"],
            "source_record_id": ["V1", "V1", "V1", "V9"],
            "customer_id": ["C1", "C2", None, "C3"],
        }
    )
    con = duckdb.connect()
    con.register("evidence", evidence)
    con.execute("CREATE TABLE match_evidence AS SELECT * FROM evidence")
    con.register("subject_linked", pd.DataFrame({"source": ["vendor"], "source_record_id": ["V1"]}))
    whole = f"SELECT * FROM match_evidence AS t WHERE {PREDICATES['match_evidence']}"
    args = params("match_evidence", "C1")
    split = con.execute(select_query("match_evidence"), args).df()
    expected = con.execute(whole, args).df()
    assert len(split) == len(expected) == 3
    pd.testing.assert_frame_equal(
        split.sort_values("customer_id").reset_index(drop=True),
        expected.sort_values("customer_id").reset_index(drop=True),
    )
