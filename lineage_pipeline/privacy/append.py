"""Append: a request that changes no personal data (access) in, its `privacy_requests` row
written into the published file in place out.

A one-row log entry needs no rebuild: nothing is removed, so no erased byte can linger. The row
is committed straight into the file (no WAL beside it, which a later swap would orphan) under
`operation_lock`, so it never interleaves with a run's or another operation's swap. The file's
fingerprint changes, so a run that read the file before the append refuses to publish over it
(as after any privacy operation) rather than drop the row. DuckDB cannot write a file another
connection (any process) has open, so if a reader holds it the caller rebuilds instead: an open
reader is never disturbed. A reader that tries to open the file during the append itself (a few
tens of milliseconds) is refused by DuckDB's lock; `warehouse.connect` waits and retries.
Invariant: the file is either as before or holds the one new row.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy.requests import Receipt, log_row
from lineage_pipeline.warehouse import LOCK_RETRIES, fingerprint, storage_config

WAREHOUSE = "warehouse"  # the published file's name in the session
# Checkpoint at every commit: the row goes into the file itself, never into a `.wal` beside it.
_DIRECT = {"checkpoint_threshold": "0b"}
# What DuckDB says when another connection (this process or another) has the file open.
_HELD_ELSEWHERE = ("could not set lock", "conflicting lock", "already attached")


def wal_of(published: Path) -> Path:
    return published.with_name(published.name + ".wal")


def _held_elsewhere(exc: duckdb.Error) -> bool:
    return any(reason in str(exc).lower() for reason in _HELD_ELSEWHERE)


@contextmanager
def session(published: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One DuckDB instance with the published file attached read-only as the current database.

    The same instance can then append the request's log row (`append_log`): starting a DuckDB
    instance costs tens of milliseconds, a fair share of a point lookup.
    """
    con = duckdb.connect(config={**storage_config(), **_DIRECT})
    try:
        for attempt in range(LOCK_RETRIES):  # as warehouse.connect: wait briefly for a writer
            try:
                con.execute(f"ATTACH ? AS {WAREHOUSE} (READ_ONLY)", [str(published)])
                break
            except duckdb.Error as exc:
                if not _held_elsewhere(exc) or attempt == LOCK_RETRIES - 1:
                    raise LineageError(f"{published}: cannot open the warehouse: {exc}") from exc
                time.sleep(0.25)
        con.execute(f"USE {WAREHOUSE}")
        yield con
    finally:
        con.close()


def append_log(
    con: duckdb.DuckDBPyConnection, published: Path, receipt: Receipt, subject_key: str | None
) -> bool:
    """Add the receipt's log row to the published file in place, through a `session`; False
    (nothing written) if a reader holds the file. Call inside `operation_lock`."""
    before = fingerprint(published)
    con.execute("USE memory")
    con.execute(f"DETACH {WAREHOUSE}")
    try:
        con.execute(f"ATTACH ? AS {WAREHOUSE}", [str(published)])
    except duckdb.Error as exc:
        if _held_elsewhere(exc):
            return False
        raise
    try:
        con.register("incoming_privacy_request", log_row(receipt, subject_key))
        con.execute(
            f"INSERT INTO {WAREHOUSE}.main.privacy_requests BY NAME "  # noqa: S608 - fixed name
            "SELECT * FROM incoming_privacy_request"
        )
        if wal_of(published).exists():  # the commit could not checkpoint: fold the WAL in now
            con.execute(f"CHECKPOINT {WAREHOUSE}")
    finally:
        con.execute(f"DETACH {WAREHOUSE}")
    stat = published.stat()
    if fingerprint(published) == before:
        # A write within the clock's tick keeps mtime; a run that read the file must still see
        # that it changed.
        os.utime(published, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    return True
