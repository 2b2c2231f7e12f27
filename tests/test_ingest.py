"""Bad input gets a clear error and loses nothing: every class of broken delivery, one test each.

Each test replaces the vendor's delivery (or the customers') in the tiny project with one broken
file and asserts the message (source, file, row, column) and the counts: rows read = rows kept +
rows quarantined, and a file-level problem rejects that file only.
"""

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from lineage_pipeline import assemble
from lineage_pipeline.contracts import Contract, load_contracts
from lineage_pipeline.ingest import SourceRecords, ingest_source
from lineage_pipeline.link import link_source
from lineage_pipeline.quality import invariants
from lineage_pipeline.settings import Settings
from lineage_pipeline.stages import customer_index, standardise_source
from tests.conftest import NOW

HEADER = "vid,fname,lname,email,phone,company,title,size\n"
GOOD = "V1,Alice,Jones,alice@example.com,07700 900001,Acme,Engineer,11-50\n"


def _contract(project: Settings, name: str) -> Contract:
    return load_contracts(project.contracts_dir).get(name)


def deliver(project: Settings, source: str, content: bytes, name: str) -> tuple[Contract, Path]:
    """Make `content` the source's only delivery; returns the contract and the file."""
    folder = project.contracts_dir.parent / "deliveries" / source
    for old in folder.iterdir():
        old.unlink()
    path = folder / name
    path.write_bytes(content)
    return _contract(project, source), path.resolve()


def ingest(project: Settings, content: bytes, name: str = "vendor_2026-11-01.csv"):
    contract, path = deliver(project, "vendor", content, name)
    return ingest_source(contract, NOW), path


def quarantined(records: SourceRecords) -> list[tuple]:
    return list(records.quarantine[["source", "row_number", "column"]].itertuples(index=False))


def assert_rejected(records: SourceRecords, path: Path, *parts: str) -> str:
    [delivery] = records.deliveries
    assert delivery.error is not None
    assert delivery.error.startswith(f"vendor: {path}: ")
    for part in parts:
        assert part in delivery.error
    assert (delivery.rows, delivery.rows_quarantined) == (0, 0)
    assert records.records.empty
    assert records.quarantine.empty
    return delivery.error


def assert_counts(records: SourceRecords, rows: int, kept: int, bad_rows: int) -> None:
    [delivery] = records.deliveries
    assert delivery.error is None
    assert (delivery.rows, len(records.records), delivery.rows_quarantined) == (
        rows,
        kept,
        bad_rows,
    )
    assert delivery.rows == len(records.records) + delivery.rows_quarantined


def test_missing_mapped_column_rejects_the_file_naming_the_column(project):
    records, path = ingest(project, (HEADER.replace(",title", "") + GOOD).encode())
    assert_rejected(
        records, path, "row 1: missing column 'title' (named by fields.job_title.column)"
    )


def test_wrong_delimiter_rejects_the_file_and_suggests_the_delimiter(project):
    content = (HEADER + GOOD).replace(",", ";").encode()
    records, path = ingest(project, content)
    assert_rejected(records, path, "row 1: missing column 'vid'", "is the delimiter not ','?")


def test_non_utf8_row_is_quarantined_with_its_column_and_raw_bytes(project):
    bad = "V2,Zoë,Brown,zoe@example.com,07700 900002,Acme,Clerk,1-10\n".encode("latin-1")
    records, _ = ingest(project, (HEADER + GOOD).encode() + bad)
    assert_counts(records, rows=2, kept=1, bad_rows=1)
    [entry] = records.quarantine.to_dict(orient="records")
    assert (entry["source"], entry["row_number"], entry["column"]) == ("vendor", 3, "fname")
    assert entry["reason"].startswith("not valid utf-8 (byte 0xeb at position 6)")
    assert entry["raw"].startswith("V2,Zo\\xeb,Brown")  # the byte kept, escaped


def test_non_utf8_header_rejects_the_file(project):
    content = HEADER.replace("size", "taille_é").encode("latin-1") + GOOD.encode()
    records, path = ingest(project, content)
    assert_rejected(records, path, "row 1: the header is not valid utf-8 (byte 0xe9")


def test_utf16_file_is_rejected_unless_the_contract_says_so(project):
    records, path = ingest(project, (HEADER + GOOD).encode("utf-16"))
    assert_rejected(records, path, "row 1: the file starts with a UTF-16 byte-order mark")
    contract = _contract(project, "vendor")
    wide = contract.model_copy(
        update={"delivery": contract.delivery.model_copy(update={"encoding": "utf-16"})}
    )
    assert_counts(ingest_source(wide, NOW), rows=1, kept=1, bad_rows=0)


def test_byte_order_mark_is_not_part_of_the_first_column(project):
    records, _ = ingest(project, b"\xef\xbb\xbf" + (HEADER + GOOD).encode())
    assert_counts(records, rows=1, kept=1, bad_rows=0)
    assert records.records["vid"].tolist() == ["V1"]


@pytest.mark.parametrize("content", [b"", b"\n \r\n"])
def test_empty_file_is_rejected(project, content):
    records, path = ingest(project, content)
    assert_rejected(records, path, "the file is empty")


def test_header_without_rows_is_rejected(project):
    records, path = ingest(project, HEADER.encode())
    assert_rejected(records, path, "has a header but no rows")


def test_repeated_header_column_is_rejected(project):
    records, path = ingest(project, (HEADER.replace("size", "title") + GOOD).encode())
    assert_rejected(records, path, "row 1: column 'title' appears more than once")


def test_duplicate_record_id_keeps_the_first_and_quarantines_the_rest(project):
    twin = GOOD.replace("Alice", "Alicia")
    records, _ = ingest(project, (HEADER + GOOD + twin + twin).encode())
    assert_counts(records, rows=3, kept=1, bad_rows=2)
    assert quarantined(records) == [("vendor", 3, "vid"), ("vendor", 4, "vid")]
    assert records.quarantine["reason"].eq("duplicate record id 'V1' in this delivery").all()
    assert records.quarantine["raw"].iloc[0].startswith("V1,Alicia,")


def test_very_long_field_is_quarantined_whole(project):
    long_title = "x" * 1001
    content = HEADER + GOOD.replace("V1", "V2").replace("Engineer", long_title) + GOOD
    records, _ = ingest(project, content.encode())
    assert_counts(records, rows=2, kept=1, bad_rows=1)
    assert quarantined(records) == [("vendor", 2, "title")]
    assert records.quarantine["reason"].iloc[0] == "value longer than 1000 characters"
    assert long_title in records.quarantine["raw"].iloc[0]  # nothing lost


def test_broken_quoting_costs_one_row_not_the_rest_of_the_file(project):
    broken = 'V2,"Bob,Smith,bob@example.com,07700 900002,Globex,Director,1-10\n'
    content = HEADER + GOOD + broken + GOOD.replace("V1", "V3")
    records, _ = ingest(project, content.encode())
    assert_counts(records, rows=3, kept=2, bad_rows=1)
    assert quarantined(records) == [("vendor", 3, None)]
    assert records.quarantine["reason"].iloc[0].startswith("malformed row: expected 8 fields")
    assert records.records["vid"].tolist() == ["V1", "V3"]


def test_row_with_too_many_fields_is_quarantined(project):
    records, _ = ingest(project, (HEADER + GOOD.rstrip("\n") + ",extra\n").encode())
    assert_counts(records, rows=1, kept=0, bad_rows=1)
    assert "found 9 fields" in records.quarantine["reason"].iloc[0]


@pytest.mark.parametrize(
    ("value", "column"),
    [
        ('=HYPERLINK("http://x.example/?q=1,2")', "title"),
        ("+cmd|' /C calc'!A0", "title"),
        ("-2+3+cmd", "size"),
        ("@SUM(1+1)", "lname"),
    ],
)
def test_value_starting_like_a_formula_is_quarantined(project, value, column):
    row = dict(zip(HEADER.strip().split(","), GOOD.strip().split(","), strict=True))
    row[column] = value
    line = io.StringIO()
    csv.writer(line).writerow(row.values())
    records, _ = ingest(project, (HEADER + line.getvalue() + GOOD.replace("V1", "V2")).encode())
    assert_counts(records, rows=2, kept=1, bad_rows=1)
    assert quarantined(records) == [("vendor", 2, column)]
    assert "starts like a spreadsheet formula" in records.quarantine["reason"].iloc[0]
    # The raw row reads back to the very values delivered, commas and quotes included.
    assert next(csv.reader([records.quarantine["raw"].iloc[0]])) == list(row.values())


def test_numbers_and_international_phones_are_not_formulas(project):
    row = GOOD.replace("07700 900001", "+44 7700 900001").replace("11-50", "-5")
    records, _ = ingest(project, (HEADER + row).encode())
    assert_counts(records, rows=1, kept=1, bad_rows=0)


def standardised(project: Settings, rows: str):
    header = "cust_no,given,family,mail,mobile,birth,town,employer\n"
    contract, path = deliver(project, "crm", (header + rows).encode(), "crm_2026-11-01.csv")
    return standardise_source(ingest_source(contract, NOW), contract, NOW.date(), "salt", set())


@pytest.mark.parametrize(
    ("birth", "reason"),
    [
        ("31/02/1990", "unreadable date '31/02/1990'"),
        ("next tuesday", "unreadable date 'next tuesday'"),
        ("1850-01-01", "absurd date of birth '1850-01-01'"),
        ("2030-01-01", "absurd date of birth '2030-01-01'"),  # after NOW
    ],
)
def test_unreadable_or_absurd_date_of_birth_is_quarantined(project, birth, reason):
    rows = f"C1,Ann,Lee,ann@example.com,07700 900001,{birth},York,\nC2,Bo,Ng,,,1980-01-01,Ely,\n"
    result = standardised(project, rows)
    assert result.records["cust_no"].tolist() == ["C2"]
    [entry] = result.quarantine.to_dict(orient="records")
    assert (entry["source"], entry["row_number"], entry["column"]) == ("crm", 2, "birth")
    assert entry["reason"] == reason
    assert entry["delivery"].endswith("crm_2026-11-01.csv")
    assert entry["raw"].startswith("C1,Ann,Lee,")


def test_value_breaking_the_contract_pattern_is_quarantined(project):
    vendor = project.contracts_dir / "vendor.yaml"
    vendor.write_text(
        vendor.read_text().replace(
            "company_size: {column: size,", "company_size: {column: size, pattern: '\\d+-\\d+',"
        )
    )
    records, _ = ingest(
        project, (HEADER + GOOD + GOOD.replace("V1", "V2").replace("11-50", "lots")).encode()
    )
    assert_counts(records, rows=2, kept=1, bad_rows=1)
    assert quarantined(records) == [("vendor", 3, "size")]
    assert "does not match pattern" in records.quarantine["reason"].iloc[0]


def test_same_file_content_twice_is_read_once_and_recorded(project):
    folder = project.contracts_dir.parent / "deliveries" / "vendor"
    original = next(folder.glob("*.csv"))
    copy = folder / "vendor_2026-12-01.csv"
    copy.write_bytes(original.read_bytes())
    records = ingest_source(_contract(project, "vendor"), NOW)
    first, again = records.deliveries
    assert (first.path, first.duplicate_of) == (str(original.resolve()), None)
    assert (again.path, again.duplicate_of, again.rows) == (str(copy.resolve()), first.path, 0)
    assert len(records.records) == first.rows == 5
    assert records.read == [first]


def test_every_delivery_row_is_linked_unlinked_or_quarantined(project):
    """rows = linked + unlinked + quarantined, per delivery, on a delivery with every kind of
    bad row: a bad byte, a formula, a duplicate id, broken quoting and an unreadable date."""
    crm_rows = (
        "C1,Alice,Jones,alice.jones@example.com,07700 900001,1980-01-02,Leeds,Acme Widgets Ltd\n"
        "C2,Robert,Smith,rob.smith@gmail.com,07700 900002,1975-05-06,York,Globex plc\n"
        "C3,Carol,Taylor,carol.t@hotmail.com,07700 900003,someday,Hull,Initech Limited\n"
    )
    customers = standardised(project, crm_rows)
    crm = _contract(project, "crm")
    vendor_rows = (
        HEADER
        + "V1,Alice,Jones,ALICE.JONES@EXAMPLE.COM,+44 7700 900001,ACME WIDGETS,Engineer,11-50\n"
        + "V2,Zed,Unknown,zed@nowhere.net,07700 900999,Nowhere Ltd,Clerk,1-10\n"
        + "V3,=1+1,X,x@example.com,07700 900123,Initech,Analyst,51-200\n"
        + "V2,Dup,Licate,dup@example.com,07700 900124,Dup Ltd,Clerk,1-10\n"
        + 'V4,"Broken,Quote,q@example.com,07700 900125,Q Ltd,Clerk,1-10\n'
    ).encode() + "V5,José,Bad,jose@example.com,07700 900126,B Ltd,Clerk,1-10\n".encode("cp1252")
    vendor, _ = deliver(project, "vendor", vendor_rows, "vendor_2026-11-01.csv")
    records = {"vendor": ingest_source(vendor, NOW), "crm": ingest_source(crm, NOW)}
    identities = {
        "vendor": standardise_source(records["vendor"], vendor, NOW.date(), "salt", set()),
        "crm": customers,
    }
    frame, ids = customer_index(customers)
    links = {"vendor": link_source(vendor, identities["vendor"].identities, frame, ids)}
    runs = pd.DataFrame(
        [
            {"path": d.path, "ingested_at": NOW, "run_id": "r1"}
            for r in records.values()
            for d in r.deliveries
        ]
    )
    table = assemble.deliveries_table(records, identities, links, runs).set_index("source")
    # vendor: 6 rows; V1 links to C1; V2 is nobody; V3 formula, V2 twin, V4 quote, V5 byte.
    assert table.loc[
        "vendor", ["rows", "rows_linked", "rows_unlinked", "rows_quarantined"]
    ].tolist() == [6, 1, 1, 4]
    # crm: C3's date is unreadable; the rest are customers (first party counts as linked).
    assert table.loc[
        "crm", ["rows", "rows_linked", "rows_unlinked", "rows_quarantined"]
    ].tolist() == [3, 2, 0, 1]
    assert invariants.deliveries_balance(table.reset_index(), "warehouse").success
