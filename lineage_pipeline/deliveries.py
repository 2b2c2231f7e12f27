"""Deliveries one file at a time: each file's key, reading one file, and joining a source's files.

A key is the file's path below the fixed part of the contract's delivery glob (`acme_2026-09.csv`,
or `2026/09.csv` for a `**` glob), so it names the file for people and for Dagster partitions.
Joined, the same content delivered twice (same sha256) is read once: the first file by key wins.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from lineage_pipeline.contracts import Contract, ContractSet
from lineage_pipeline.errors import DeliveryError
from lineage_pipeline.ingest import (
    DELIVERY,
    QUARANTINE_COLUMNS,
    RECORD_ID,
    ROW_NUMBER,
    DeliveryInfo,
    SourceRecords,
    read_delivery,
    sha256_of,
)
from lineage_pipeline.warehouse import connect


def delivery_root(contract: Contract) -> Path:
    """The folder the delivery glob starts from: its parts before the first wildcard."""
    parts = Path(contract.delivery_glob).parts
    first_wild = next((i for i, p in enumerate(parts) if glob.has_magic(p)), len(parts) - 1)
    return Path(*parts[:first_wild]).resolve()


def delivery_key(contract: Contract, path: Path) -> str:
    return Path(path).resolve().relative_to(delivery_root(contract)).as_posix()


def delivery_path(contract: Contract, key: str) -> Path:
    return delivery_root(contract) / key


def delivery_keys(contract: Contract) -> list[str]:
    """Keys of the files the glob matches now, in delivery order (names usually carry dates)."""
    return [delivery_key(contract, p) for p in contract.delivery_files()]


def ingest_delivery(contract: Contract, path: Path, now: datetime) -> SourceRecords:
    """One delivery file as a source's records; a rejected file is reported, never half-read."""
    try:
        kept, quarantine, info = read_delivery(path, contract, now)
    except DeliveryError as exc:
        info = DeliveryInfo(contract.name, str(path), sha256_of(path), 0, 0, now, str(exc))
        return SourceRecords(contract.name, _no_records(contract), _no_quarantine(), [info])
    return SourceRecords(contract.name, kept, quarantine, [info])


def join_deliveries(contract: Contract, parts: Iterable[SourceRecords]) -> SourceRecords:
    """A source's deliveries as one SourceRecords, in path order; repeated content read once."""
    deliveries: list[DeliveryInfo] = []
    frames: list[pd.DataFrame] = []
    quarantines: list[pd.DataFrame] = []
    seen: dict[str, str] = {}
    for part in sorted(parts, key=lambda p: [d.path for d in p.deliveries]):
        for info in part.deliveries:
            if info.error:
                deliveries.append(info)
            elif info.sha256 in seen:
                deliveries.append(
                    replace(info, rows=0, rows_quarantined=0, duplicate_of=seen[info.sha256])
                )
            else:
                seen[info.sha256] = info.path
                deliveries.append(info)
                frames.append(_of_delivery(part.records, DELIVERY, info.path, part))
                quarantines.append(_of_delivery(part.quarantine, "delivery", info.path, part))
    frames = [f for f in frames if not f.empty]
    quarantines = [q for q in quarantines if not q.empty]
    records = pd.concat(frames, ignore_index=True) if frames else _no_records(contract)
    quarantine = pd.concat(quarantines, ignore_index=True) if quarantines else _no_quarantine()
    return SourceRecords(contract.name, records, quarantine, deliveries)


def ingest_source(contract: Contract, now: datetime) -> SourceRecords:
    """Every delivery of a source, read now."""
    return join_deliveries(
        contract, (ingest_delivery(contract, p, now) for p in contract.delivery_files())
    )


def delivery_status(contracts: ContractSet, warehouse: Path) -> list[dict[str, object]]:
    """Every file the contracts' globs match now, with what the published warehouse made of it:
    ingested, duplicate or rejected; `new` (not in it yet) or `changed` (other content since)."""
    published: dict[str, dict[str, object]] = {}
    if Path(warehouse).exists():
        with connect(Path(warehouse)) as con:
            rows = con.execute(
                "SELECT path, sha256, status, rows, rows_quarantined, ingested_at, error "
                "FROM deliveries"
            )
            names = [c[0] for c in rows.description]
            published = {r[0]: dict(zip(names, r, strict=True)) for r in rows.fetchall()}
    status = []
    for contract in contracts.contracts:
        for path in contract.delivery_files():
            known = published.get(str(path))
            state = "new" if known is None else str(known["status"])
            if known is not None and known["sha256"] != sha256_of(path):
                state = "changed"
            status.append(
                {
                    "source": contract.name,
                    "delivery": delivery_key(contract, path),
                    "status": state,
                    "rows": None if known is None else known["rows"],
                    "rows_quarantined": None if known is None else known["rows_quarantined"],
                    "ingested_at": None if known is None else known["ingested_at"],
                    "error": None if known is None else known["error"],
                    "path": str(path),
                }
            )
    return status


def _of_delivery(frame: pd.DataFrame, column: str, path: str, part: SourceRecords) -> pd.DataFrame:
    return frame if len(part.deliveries) == 1 else frame[frame[column] == path]


def _no_records(contract: Contract) -> pd.DataFrame:
    return pd.DataFrame(columns=[*contract.mapped_columns(), ROW_NUMBER, DELIVERY, RECORD_ID])


def _no_quarantine() -> pd.DataFrame:
    return pd.DataFrame(columns=QUARANTINE_COLUMNS)
