"""Current values: a person's or the whole warehouse's value rows in, survivors and profiles out.

Privacy operations that change values in the published file (correct, retention) re-apply the
run's own survivorship rule (`merge.survivors`) and profile pivot (`merge.customers_table`),
so the file they publish is the one the next run would build from the same inputs.
Invariant: at most one in-force row per (customer, field) is `is_current`.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from lineage_pipeline import merge

REPLACE_PERSON_FIELDS = (
    "SELECT * FROM old.main.customer_fields WHERE customer_id <> $id "
    "UNION ALL BY NAME SELECT * FROM person_customer_fields"
)
REPLACE_PERSON_CUSTOMER = (
    "SELECT * FROM old.main.customers WHERE customer_id <> $id "
    "UNION ALL BY NAME SELECT * FROM person_customers"
)


def source_priorities(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    rows = con.execute("SELECT source, min(priority) FROM sources GROUP BY source").fetchall()
    return {s: float("nan") if p is None else float(p) for s, p in rows}


def profile_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = 'customers' AND table_catalog = current_database() "
        "ORDER BY ordinal_position"
    ).fetchall()
    return [r[0] for r in rows if r[0] != "customer_id"]


def resurvive(fields: pd.DataFrame, priorities: dict[str, float]) -> pd.DataFrame:
    """`fields` with `is_current` recomputed by the run's survivorship rule."""
    ranked = fields.reset_index(drop=True).assign(priority=lambda f: f["source"].map(priorities))
    ranked["is_current"] = merge.survivors(ranked)
    return ranked[merge.FIELD_COLUMNS]


def profiles(fields: pd.DataFrame, customer_ids: list[str], columns: list[str]) -> pd.DataFrame:
    """One customers row per id from the current values (as a run builds the table)."""
    if fields.empty:
        frame = pd.DataFrame({"customer_id": sorted(customer_ids)})
        return frame.reindex(columns=["customer_id", *columns]).astype(object)
    return merge.customers_table(fields, pd.Series(customer_ids, dtype=object), columns)
