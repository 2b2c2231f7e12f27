"""Publish: the run's tables in, a new warehouse file atomically in place of the old one out.

The new file is built beside the published one and renamed over it, so readers are never
locked out and a failed or killed run leaves the last good warehouse as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb
import pandas as pd

from lineage_pipeline.warehouse import schema_sql

BUILDING_SUFFIX = ".building"


def building_path(published: Path, run_id: str) -> Path:
    return published.with_name(f".{published.name}.{run_id}{BUILDING_SUFFIX}")


def remove_stale_builds(published: Path) -> list[Path]:
    """Delete half-built files left by killed runs; they were never published."""
    stale = list(published.parent.glob(f".{published.name}.*{BUILDING_SUFFIX}*"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _insert(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.register("incoming", frame)
    try:
        con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM incoming')  # noqa: S608
    finally:
        con.unregister("incoming")


def _create_customers(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    columns = ", ".join(f'"{c}" VARCHAR' for c in frame.columns)
    con.execute(f"CREATE TABLE customers ({columns}, PRIMARY KEY (customer_id))")
    _insert(con, "customers", frame)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(
    published: Path,
    run_id: str,
    tables: Mapping[str, pd.DataFrame],
    finish: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> Path:
    """Write every table to a new file, run `finish` on it (views), and swap it in."""
    published = Path(published).resolve()
    published.parent.mkdir(parents=True, exist_ok=True)
    building = building_path(published, run_id)
    building.unlink(missing_ok=True)
    con = duckdb.connect(str(building))
    try:
        con.execute(schema_sql())
        for name, frame in tables.items():
            if name == "customers":
                _create_customers(con, frame)
            else:
                _insert(con, name, frame)
        if finish is not None:
            finish(con)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        building.unlink(missing_ok=True)
        raise
    con.close()
    _fsync(building)
    os.replace(building, published)
    _fsync(published.parent)
    return published
