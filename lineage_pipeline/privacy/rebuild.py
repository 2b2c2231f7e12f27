"""Rebuild: the published warehouse and a plan of row changes in, a new file swapped in out.

A privacy operation that removes or changes data never edits the published file in place:
DuckDB's DELETE, CHECKPOINT and VACUUM leave deleted values in the file's bytes. Instead every
table is copied into a fresh file with the plan's rows left out or added, the purpose views are
regenerated, and the new file is renamed over the old one. (An access request removes nothing;
it only appends its log row in place, see `append`.) Invariant: readers see the old file or
the new one, never a half-written one; operations hold a lock so two never interleave (one's
change never overwrites another's).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from lineage_pipeline.privacy.purposes import create_purpose_views
from lineage_pipeline.privacy.sql_names import quote_identifier
from lineage_pipeline.publish import fsync, new_database
from lineage_pipeline.warehouse import require, table_names

REBUILDING_SUFFIX = ".rebuilding"
OLD = "old"  # the published file, attached read-only under this name while rebuilding


@dataclass
class Plan:
    """What changes: per table, the SELECT (over `old.main.<table>`) that yields the new rows.

    Tables without a query are copied whole. `frames` are registered on the connection under
    their keys so queries can add or anti-join rows (e.g. `incoming_suppressions`).
    """

    queries: dict[str, tuple[str, list[object] | dict[str, object]]] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


def _copy_table(con: duckdb.DuckDBPyConnection, name: str, plan: Plan) -> None:
    ddl = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND table_name = ?",
        [OLD, name],
    ).fetchone()[0]
    con.execute(ddl)  # the table's own CREATE statement: same columns, types and keys
    table = quote_identifier(name)
    copy_all = f"SELECT * FROM old.main.{table}"  # noqa: S608 - catalogue name
    query, params = plan.queries.get(name, (copy_all, []))
    con.execute(f"INSERT INTO main.{table} BY NAME {query}", params)


def rebuild(published: Path, tag: str, plan: Plan, clock: datetime | None) -> dict[str, int]:
    """Copy the warehouse through `plan` into a new file, regenerate views, swap it in.

    Call inside `operation_lock`. Returns the row count of every table in the new file.
    """
    published = require(Path(published)).resolve()
    for stale in published.parent.glob(f".{published.name}.*{REBUILDING_SUFFIX}*"):
        stale.unlink(missing_ok=True)  # left by a killed operation; the lock says none runs
    building = published.with_name(f".{published.name}.{tag}{REBUILDING_SUFFIX}")
    with new_database(building) as con:
        con.execute(f"ATTACH ? AS {OLD} (READ_ONLY)", [str(published)])
        for name, frame in plan.frames.items():
            con.register(name, frame)
        for name in old_tables(con):
            _copy_table(con, name, plan)
        for name in plan.frames:
            con.unregister(name)
        con.execute(f"DETACH {OLD}")
        create_purpose_views(con, clock)
        counts = row_counts(con)
    os.replace(building, published)
    fsync(published.parent)
    return counts


def old_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The base tables of the attached published file (views are regenerated, not copied)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "ORDER BY table_name",
        [OLD],
    ).fetchall()
    return [r[0] for r in rows]


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {}
    for name in table_names(con):
        sql = f"SELECT count(*) FROM main.{quote_identifier(name)}"  # noqa: S608 - catalogue name
        counts[name] = int(con.execute(sql).fetchone()[0])
    return counts
