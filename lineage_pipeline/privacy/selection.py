"""Selection: a subject and the warehouse in, the person's rows in every personal table out.

One predicate per table of the registry, shared by `export` (the rows shown) and `erase` (the
rows left out of the rebuilt file), so what is exported is exactly what is erased.
Invariant: predicates are fixed SQL over alias `t`; the person's id is bound as `$id` and their
keys, linked records and quarantined rows are registered frames, never spliced text.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from lineage_pipeline.privacy.sql_names import quote_identifier
from lineage_pipeline.privacy.subject import Subject, tied_to

PREDICATES: dict[str, str] = {
    "customer_fields": "t.customer_id = $id",
    "customers": "t.customer_id = $id",
    "corrections": "t.customer_id = $id",
    "match_evidence": "t.customer_id = $id OR EXISTS (SELECT 1 FROM subject_linked AS l "
    "WHERE l.source = t.source AND l.source_record_id = t.source_record_id)",
    "suppressions": "t.subject_key IN (SELECT subject_key FROM subject_keys)",
    "privacy_requests": "t.subject_key IN (SELECT subject_key FROM subject_keys)",
    "quarantine": "EXISTS (SELECT 1 FROM subject_quarantine AS q WHERE q.source = t.source "
    "AND q.delivery = t.delivery AND q.row_number = t.row_number)",
}


def tied_quarantine(
    con: duckdb.DuckDBPyConnection, subject: Subject, regions: dict[str, str | None]
) -> pd.DataFrame:
    """Quarantined rows whose raw text carries the person's email, phone or customer id."""
    rows = con.execute(
        "SELECT DISTINCT q.source, q.delivery, q.row_number, q.raw, s.kind "
        "FROM quarantine q LEFT JOIN (SELECT DISTINCT source, kind FROM sources) s USING (source)"
    ).df()
    mask = [
        tied_to(raw, kind == "first_party", subject, regions.get(source))
        for source, raw, kind in zip(rows["source"], rows["raw"], rows["kind"], strict=True)
    ]
    return rows.loc[mask, ["source", "delivery", "row_number"]].reset_index(drop=True)


def subject_frames(subject: Subject, quarantine: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The frames the predicates read, to register on the connection that runs them."""
    return {
        "subject_keys": pd.DataFrame({"subject_key": sorted(subject.keys)}),
        "subject_linked": subject.linked_records.astype(str),
        "subject_quarantine": quarantine.astype({"row_number": "int64"}),
    }


def register(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    for name, frame in frames.items():
        con.register(name, frame)


def subject_rows(
    con: duckdb.DuckDBPyConnection, subject: Subject, frames: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """Every row of every personal table that belongs to the person (frames registered here)."""
    register(con, frames)
    present = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main'"
        ).fetchall()
    }
    out = {}
    for table, predicate in PREDICATES.items():
        if table not in present:
            out[table] = pd.DataFrame()
            continue
        sql = f"SELECT * FROM main.{quote_identifier(table)} AS t WHERE {predicate}"  # noqa: S608 - registry names, fixed predicates
        out[table] = con.execute(sql, params(table, subject.customer_id)).df()
    for name in frames:
        con.unregister(name)
    return out


def params(table: str, customer_id: str) -> dict[str, object]:
    """The bound parameters of a table's predicate (DuckDB rejects unused ones)."""
    return {"id": customer_id} if "$id" in PREDICATES[table] else {}


def keep_query(table: str) -> str:
    """The rebuild query keeping every row of `table` except the person's."""
    return (
        f"SELECT * FROM old.main.{quote_identifier(table)} AS t "  # noqa: S608 - registry name
        f"WHERE ({PREDICATES[table]}) IS NOT TRUE"
    )
