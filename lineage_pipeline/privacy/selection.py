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

# A table's predicate is the OR of its alternatives. Export selects each alternative on its own
# (a lone `customer_id = $id` prunes by zonemap; OR-ed with a subquery it scans every row).
ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "customer_fields": ("t.customer_id = $id",),
    "customers": ("t.customer_id = $id",),
    "corrections": ("t.customer_id = $id",),
    "match_evidence": (
        "t.customer_id = $id",
        "EXISTS (SELECT 1 FROM subject_linked AS l "
        "WHERE l.source = t.source AND l.source_record_id = t.source_record_id)",
    ),
    "suppressions": ("t.subject_key IN (SELECT subject_key FROM subject_keys)",),
    "privacy_requests": ("t.subject_key IN (SELECT subject_key FROM subject_keys)",),
    "quarantine": (
        "EXISTS (SELECT 1 FROM subject_quarantine AS q WHERE q.source = t.source "
        "AND q.delivery = t.delivery AND q.row_number = t.row_number)",
    ),
}
PREDICATES: dict[str, str] = {
    table: " OR ".join(alternatives) for table, alternatives in ALTERNATIVES.items()
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
    """The frames the predicates read, to register on the connection that runs them.

    Text columns are typed `string` even when empty: DuckDB reads an empty object column as
    type NULL and then plans the EXISTS as a scan of the whole table (seconds at 1M customers).
    """
    return {
        "subject_keys": pd.DataFrame({"subject_key": sorted(subject.keys)}, dtype="string"),
        "subject_linked": subject.linked_records.astype(str).astype("string"),
        "subject_quarantine": quarantine.astype(
            {"source": "string", "delivery": "string", "row_number": "int64"}
        ),
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
    for table in PREDICATES:
        if table not in present:
            out[table] = pd.DataFrame()
            continue
        out[table] = con.execute(select_query(table), params(table, subject.customer_id)).df()
    for name in frames:
        con.unregister(name)
    return out


def params(table: str, customer_id: str) -> dict[str, object]:
    """The bound parameters of a table's predicate (DuckDB rejects unused ones)."""
    return {"id": customer_id} if "$id" in PREDICATES[table] else {}


def select_query(table: str) -> str:
    """The person's rows of `table`: each alternative in turn, a row only under the first it
    meets, so the rows are exactly those the whole predicate selects."""
    source = f"main.{quote_identifier(table)}"
    parts, before = [], []
    for alternative in ALTERNATIVES[table]:
        unseen = "".join(f" AND ({b}) IS NOT TRUE" for b in before)
        parts.append(f"SELECT * FROM {source} AS t WHERE ({alternative}){unseen}")  # noqa: S608 - registry name, fixed predicates
        before.append(alternative)
    return " UNION ALL ".join(parts)


def keep_query(table: str) -> str:
    """The rebuild query keeping every row of `table` except the person's."""
    return (
        f"SELECT * FROM old.main.{quote_identifier(table)} AS t "  # noqa: S608 - registry name
        f"WHERE ({PREDICATES[table]}) IS NOT TRUE"
    )
