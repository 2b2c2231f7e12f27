"""The columnar merge and Arrow publishing write the warehouse the plain pandas path wrote: every
table, row (in order), value, type and key, on seeded merges with corrections, expiring values,
several deliveries and sources, and empty sources. Real DuckDB files.

`reference_build` writes a file the way publishing first did (the frames registered as they
are: object text, a Python list per row, the customers key declared with the table), from
`tests.test_merge`'s plain-pandas merge. The other side is the product: `merge` and `publish`.
"""

import random
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from lineage_pipeline import assemble, columnar, merge
from lineage_pipeline import publish as publishing
from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.privacy.purposes import create_purpose_views, purposes_table
from lineage_pipeline.warehouse import schema_sql
from tests.conftest import NOW, write_project
from tests.test_merge import GRACE, random_inputs, reference_customers, reference_fields

RUN = "run-under-test"


def reference_build(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    con = duckdb.connect(str(path))
    con.execute(schema_sql())
    for name, frame in tables.items():
        if name == "customers":
            columns = ", ".join(f'"{c}" VARCHAR' for c in frame.columns)
            con.execute(f"CREATE TABLE customers ({columns}, PRIMARY KEY (customer_id))")
        con.register("incoming", frame)
        con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM incoming')
        con.unregister("incoming")
    create_purpose_views(con, NOW)
    con.execute("CHECKPOINT")
    con.close()


def differences(expected: Path, actual: Path) -> list[str]:
    """What differs between two warehouse files: catalogue (DDL, views, keys) and rows."""
    con = duckdb.connect()
    con.execute("ATTACH ? AS expected (READ_ONLY)", [str(expected)])
    con.execute("ATTACH ? AS actual (READ_ONLY)", [str(actual)])
    catalogue = {
        "tables": "SELECT schema_name, table_name, sql FROM duckdb_tables() "
        "WHERE database_name = ?",
        "views": "SELECT schema_name, view_name, sql FROM duckdb_views() "
        "WHERE database_name = ? AND NOT internal",
        "constraints": "SELECT table_name, constraint_type, constraint_text "
        "FROM duckdb_constraints() WHERE database_name = ?",
        "columns": "SELECT table_schema, table_name, column_name, data_type, ordinal_position "
        "FROM information_schema.columns WHERE table_catalog = ?",
    }
    found = []
    for what, sql in catalogue.items():
        rows = [sorted(con.execute(sql, [db]).fetchall()) for db in ("expected", "actual")]
        if rows[0] != rows[1]:
            found.append(f"{what}: {set(rows[0]) ^ set(rows[1])}")
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'expected'"
    ).fetchall()
    for schema, table in tables:
        name = f'"{schema}"."{table}"'
        counts = [
            con.execute(f"SELECT count(*) FROM {db}.{name}").fetchone()[0]
            for db in ("expected", "actual")
        ]
        if counts[0] != counts[1]:
            found.append(f"{name}: {counts[0]} rows expected, {counts[1]} written")
            continue
        # Row by row in stored order: the row as a whole (every column, its type) must match.
        differing = con.execute(
            f"SELECT count(*) FROM expected.{name} AS e POSITIONAL JOIN actual.{name} AS a "
            "WHERE e IS DISTINCT FROM a"
        ).fetchone()[0]
        if differing:
            found.append(f"{name}: {differing} rows differ")
    con.close()
    return found


def other_tables(contracts) -> dict[str, pd.DataFrame]:
    """The small tables beside the merge's, with the awkward cells publishing meets: lists,
    missing values of every kind, Python datetimes in an object column, empty frames."""
    runs = pd.DataFrame(
        {
            "run_id": ["earlier", RUN],
            "started_at": [datetime(2026, 11, 1), NOW],
            "finished_at": [pd.NaT, NOW],
            "status": ["published", "published"],
            "summary": ['{"customers": 3}', '{"customers": 4, "é": "ü"}'],
        }
    )
    deliveries = pd.DataFrame(
        {
            "source": ["crm", "vendor", None],
            "path": ["/d/a.csv", "/d/b.csv", "/d/c.csv"],
            "rows": [3, 0, 7],
            "acquired_at": pd.Series(
                [datetime(2026, 9, 1), None, datetime(2026, 10, 1)], dtype=object
            ),
            "status": ["ingested", np.nan, "rejected"],
        }
    )
    return {
        "runs": runs,
        "deliveries": deliveries,
        "sources": assemble.sources_table(contracts),
        "quarantine": pd.DataFrame(columns=["source", "delivery", "row_number", "reason"]),
        "purposes": purposes_table(contracts),
        "warehouse_settings": pd.DataFrame({"key": ["salt"], "value": ["pepper"]}),
    }


def with_an_empty_source(sources: list[merge.SourceValues]) -> list[merge.SourceValues]:
    """The last third-party source with no records (nor links) at all."""
    last = sources[-1]
    return [
        *sources[:-1],
        merge.SourceValues(
            last.contract, last.records.iloc[:0], last.acquired_at, last.run_ids, last.links[:0]
        ),
    ]


@pytest.mark.parametrize("seed", range(12))
def test_published_warehouse_is_the_plain_paths_warehouse(tmp_path, monkeypatch, seed):
    contracts = load_contracts(write_project(tmp_path))
    sources, corrections, customers = random_inputs(random.Random(seed), contracts)
    if seed % 3 == 0:
        sources = with_an_empty_source(sources)
    names = contracts.field_names()
    expected_fields = reference_fields(sources, corrections, contracts)
    fields = merge.customer_fields(sources, corrections, contracts, NOW, GRACE)
    others = other_tables(contracts)
    reference = {
        **others,
        "customer_fields": expected_fields,
        "customers": reference_customers(expected_fields, pd.Series(customers), names),
    }
    product = {
        **others,
        "customer_fields": fields,
        "customers": merge.customers_table(fields, pd.Series(customers), names),
    }
    reference_build(tmp_path / "expected.duckdb", reference)
    # Small slices, so that one table goes in by several inserts.
    monkeypatch.setattr(publishing, "INSERT_ROWS", 1 + seed * 5)
    published = publishing.publish(
        tmp_path / "warehouse.duckdb",
        RUN,
        product,
        finish=lambda con: create_purpose_views(con, NOW),
    )
    assert differences(tmp_path / "expected.duckdb", published) == []


def test_arrow_is_used_only_where_it_reads_exactly():
    lists = [["marketing"], ["analytics", "service"]]
    text = pd.DataFrame(
        {
            "value": ["a", None, "a", float("nan"), "ü"],
            "purposes": [lists[0], lists[1], lists[0], lists[0], []],
            "field": pd.Categorical(["city", "email", None, "city", "city"]),
            "probability": [0.5, np.nan, 1.0, 0.0, 0.25],
        }
    )
    [table] = columnar.arrow_slices(text, len(text))
    assert isinstance(table, pa.Table)
    assert table.column("value").to_pylist() == ["a", None, "a", None, "ü"]
    assert table.column("purposes").to_pylist() == [*lists, lists[0], lists[0], []]
    assert table.column("field").to_pylist() == ["city", "email", None, "city", "city"]
    assert table.column("probability").to_pylist() == [0.5, None, 1.0, 0.0, 0.25]
    odd = ([1, "a"], [datetime(2026, 1, 1), None], [("a",), ("b",)], [["a", 1], ["b"]])
    for cells in odd:
        frame = pd.DataFrame({"cell": pd.Series(cells, dtype=object)})
        [as_given] = columnar.arrow_slices(frame, len(frame))
        assert isinstance(as_given, pd.DataFrame)
