"""The warehouse file: open it safely, read the state a run carries over, list its tables.

The published file is only ever opened read-only by a run, and briefly: analysts keep their
access while a run builds its replacement elsewhere.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy.subject_keys import SALT_KEY, new_salt

# Tables a run carries over from the previous warehouse: they record requests and history
# that the deliveries cannot rebuild.
STATE_TABLES = (
    "runs",
    "deliveries",
    "suppressions",
    "quality_results",
    "privacy_requests",
    "corrections",
    "warehouse_settings",
)
LOCK_RETRIES = 20
# Set to `uncompressed` to write warehouse files without compression, so an auditor can prove
# by a byte search that erased values are gone (compressed strings hide from such a search).
FORCE_COMPRESSION_ENV = "LINEAGE_FORCE_COMPRESSION"


def storage_config() -> dict[str, str]:
    """DuckDB settings for writing a warehouse file (see FORCE_COMPRESSION_ENV)."""
    forced = os.environ.get(FORCE_COMPRESSION_ENV, "").strip()
    return {"force_compression": forced} if forced else {}


def lock_path(published: Path) -> Path:
    return published.with_name(f".{published.name}.lock")


@contextmanager
def operation_lock(published: Path) -> Iterator[None]:
    """Hold the lock under which the published file is replaced (a privacy operation holds it
    from its read to its swap; a run, for its last check and swap)."""
    path = lock_path(Path(published).resolve())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fingerprint(path: Path) -> str | None:
    """Which published file this is (a swap makes a new inode), or None if there is none."""
    try:
        stat = Path(path).resolve().stat()
    except FileNotFoundError:
        return None
    return f"{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}"


def schema_sql() -> str:
    return resources.files("lineage_pipeline.sql").joinpath("schema.sql").read_text("utf-8")


@contextmanager
def connect(path: Path, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, waiting briefly if a writer holds it (e.g. a privacy operation)."""
    for attempt in range(LOCK_RETRIES):
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or attempt == LOCK_RETRIES - 1:
                raise LineageError(f"{path}: cannot open the warehouse: {exc}") from exc
            time.sleep(0.25)
    try:
        yield con
    finally:
        con.close()


def require(path: Path) -> Path:
    if not Path(path).is_file():
        raise LineageError(
            f"{path}: no warehouse here; run `lineage-pipeline run --warehouse {path}` first"
        )
    return Path(path)


def table_names(con: duckdb.DuckDBPyConnection, schema: str = "main") -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name",
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


def empty_table(name: str) -> pd.DataFrame:
    """An empty frame with the schema's columns for `name`."""
    con = duckdb.connect()
    try:
        con.execute(schema_sql())
        return con.execute(f'SELECT * FROM "{name}" LIMIT 0').df()  # noqa: S608 - fixed names
    finally:
        con.close()


@dataclass
class WarehouseState:
    """What the previous warehouse holds that a new run must keep."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    # The published file the state was read from: a run publishes only over that same file,
    # so an erasure or correction made while it ran is never overwritten.
    fingerprint: str | None = None

    @property
    def salt(self) -> str:
        settings = self.tables["warehouse_settings"]
        found = settings.loc[settings["key"] == SALT_KEY, "value"]
        return str(found.iloc[0])

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def erased_keys(self) -> set[str]:
        suppressions = self.tables["suppressions"]
        return set(suppressions.loc[suppressions["scope"] == "all", "subject_key"])


def read_state(path: Path) -> WarehouseState:
    """The carried-over tables of the published warehouse (empty ones if there is none)."""
    tables = {name: empty_table(name) for name in STATE_TABLES}
    read_from = fingerprint(path)
    if Path(path).is_file():
        with connect(path, read_only=True) as con:
            present = set(table_names(con))
            for name in STATE_TABLES:
                if name in present:
                    tables[name] = con.execute(f'SELECT * FROM "{name}"').df()  # noqa: S608
    settings = tables["warehouse_settings"]
    if not (settings["key"] == SALT_KEY).any():
        # A new warehouse gets its own salt; it then travels with every rebuild.
        tables["warehouse_settings"] = pd.concat(
            [settings, pd.DataFrame({"key": [SALT_KEY], "value": [new_salt()]})],
            ignore_index=True,
        )
    return WarehouseState(tables, read_from)
