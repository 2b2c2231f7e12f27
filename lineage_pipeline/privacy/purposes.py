"""Purposes: the taxonomy and each contract field's purposes in, purpose-scoped outputs out.

Input: the warehouse's `purposes` and `sources` tables (written from the contracts at publish).
Output: per purpose a schema `purpose_<p>` whose view `customers` holds only the fields some
source allows for p (a parent purpose covers its children), only current unexpired values whose
own purposes cover p, and no subject restricted for p, for its parent, or for `all`; and the same
exported to a separate DuckDB or Parquet file. Invariant: generated from the contracts, never
hand-written; only validated names are spliced into SQL, data is always bound.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from lineage_pipeline.contracts import ContractSet
from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy.sql_names import quote_identifier, quote_literal, timestamp_literal
from lineage_pipeline.warehouse import connect, require

SCHEMA_PREFIX = "purpose_"
# Matches subject_keys.customer_key: sha256(salt || '|customer:' || customer_id). An anti join,
# not a correlated NOT EXISTS: DuckDB then pushes a filter on customer_id down to the scans, so
# reading one customer from a view stays a point lookup.
_RESTRICTED = """ANTI JOIN (
    SELECT subject_key FROM main.suppressions WHERE scope IN ({scopes})
) AS s ON s.subject_key = sha256(
    (SELECT value FROM main.warehouse_settings WHERE key = 'subject_key_salt')
    || '|customer:' || c.customer_id)"""


def schema_name(purpose: str) -> str:
    return SCHEMA_PREFIX + purpose.replace(".", "_")


def lineage(purpose: str) -> list[str]:
    """The purpose and its ancestors: `marketing.email` -> [marketing.email, marketing]."""
    parts = purpose.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def purposes_table(contracts: ContractSet) -> pd.DataFrame:
    """The taxonomy as a warehouse table: purpose, description, parent."""
    rows = [
        {"purpose": p, "description": d, "parent": p.rpartition(".")[0] or None}
        for p, d in contracts.taxonomy.purposes.items()
    ]
    return pd.DataFrame(rows, columns=["purpose", "description", "parent"])


def _clock(clock: datetime | None) -> str:
    # A pinned clock (LINEAGE_NOW) freezes expiry for replays and tests; otherwise wall clock.
    return timestamp_literal(clock) if clock else "timezone('UTC', now())"


def view_sql(purpose: str, fields: list[str], clock: datetime | None) -> str:
    """The CREATE VIEW statement of one purpose's `customers` view."""
    chain = ", ".join(quote_literal(p) for p in lineage(purpose))
    columns = "".join(
        f",\n    max(f.value) FILTER (WHERE f.field = {quote_literal(name)}) "
        f"AS {quote_identifier(name)}"
        for name in fields
    )
    return (
        f"CREATE VIEW {quote_identifier(schema_name(purpose))}.customers AS\n"
        f"SELECT c.customer_id{columns}\n"
        "FROM main.customers AS c\n"
        f"{_RESTRICTED.format(scopes=quote_literal('all') + ', ' + chain)}\n"
        "LEFT JOIN main.customer_fields AS f\n"
        "  ON f.customer_id = c.customer_id AND f.is_current AND f.valid_to IS NULL\n"
        f" AND (f.expires_at IS NULL OR f.expires_at > {_clock(clock)})\n"
        f" AND list_has_any(f.purposes, [{chain}])\n"
        "GROUP BY c.customer_id ORDER BY c.customer_id"
    )


def allowed_fields(con: duckdb.DuckDBPyConnection, purpose: str) -> list[str]:
    """Fields some source allows for `purpose`, in the customers table's column order."""
    allowed = {
        row[0]
        for row in con.execute(
            "SELECT DISTINCT field FROM main.sources WHERE list_has_any(purposes, ?)",
            [lineage(purpose)],
        ).fetchall()
    }
    columns = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = 'customers' AND table_catalog = current_database() "
        "ORDER BY ordinal_position"
    ).fetchall()
    return [c[0] for c in columns if c[0] in allowed]


def create_purpose_views(con: duckdb.DuckDBPyConnection, clock: datetime | None) -> list[str]:
    """(Re)create every purpose schema and view in the file `con` writes; returns the schemas."""
    existing = con.execute(
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database() "
        "AND starts_with(schema_name, ?)",
        [SCHEMA_PREFIX],
    ).fetchall()
    for (name,) in existing:
        con.execute(f"DROP SCHEMA {quote_identifier(name)} CASCADE")
    purposes = [
        r[0] for r in con.execute("SELECT purpose FROM main.purposes ORDER BY 1").fetchall()
    ]
    schemas = [schema_name(p) for p in purposes]
    if len(set(schemas)) != len(schemas):
        raise LineageError(f"purposes {purposes} give clashing schema names {schemas}")
    for purpose in purposes:
        con.execute(f"CREATE SCHEMA {quote_identifier(schema_name(purpose))}")
        con.execute(view_sql(purpose, allowed_fields(con, purpose), clock))
    return schemas


@dataclass(frozen=True)
class PurposeUse:
    """A field a purpose may use, from one source, and the allowed purpose that covers it."""

    field: str
    source: str
    allowed_as: str
    legal_basis: str


def catalogue(contracts: ContractSet) -> dict[str, list[PurposeUse]]:
    """Each purpose with the fields and sources it may use (from the contracts)."""
    out: dict[str, list[PurposeUse]] = {}
    for purpose in contracts.taxonomy.purposes:
        uses = []
        for contract in contracts.contracts:
            for name, spec in contract.fields.items():
                if contracts.taxonomy.covers(spec.purposes, purpose):
                    via = next(a for a in lineage(purpose) if a in spec.purposes)
                    uses.append(PurposeUse(name, contract.name, via, contract.legal_basis))
        out[purpose] = uses
    return out


def check_purpose(con: duckdb.DuckDBPyConnection, purpose: str) -> None:
    known = [r[0] for r in con.execute("SELECT purpose FROM main.purposes ORDER BY 1").fetchall()]
    if purpose not in known:
        raise LineageError(f"unknown purpose {purpose!r} (known: {', '.join(known)})")


def export_purpose(warehouse: Path, purpose: str, out: Path) -> pd.DataFrame:
    """Write the purpose's `customers` view to `out` (.duckdb or .parquet); returns it."""
    out = Path(out)
    if out.suffix not in {".duckdb", ".parquet"}:
        raise LineageError(f"{out}: the output must end in .duckdb or .parquet")
    with connect(require(warehouse)) as con:
        check_purpose(con, purpose)
        schema = quote_identifier(schema_name(purpose))
        table = con.sql(f"SELECT * FROM {schema}.customers").to_arrow_table()  # noqa: S608 - validated purpose
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    if out.suffix == ".parquet":
        pq.write_table(table, partial)
    else:
        target = duckdb.connect(str(partial))
        try:
            target.register("purpose_rows", table)
            target.execute("CREATE TABLE customers AS SELECT * FROM purpose_rows")
            target.execute("CHECKPOINT")
        finally:
            target.close()
    os.replace(partial, out)
    return table.to_pandas()
