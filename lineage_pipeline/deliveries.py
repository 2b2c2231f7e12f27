"""Deliveries one file at a time: each file's key, and what the published warehouse made of it.

A key is the file's path below the fixed part of the contract's delivery glob (`acme_2026-09.csv`,
or `2026/09.csv` for a `**` glob), so it names the file for people and for Dagster partitions.
Reading one file and joining a source's files are in `ingest` (`ingest_delivery`,
`join_deliveries`).
"""

from __future__ import annotations

import glob
from pathlib import Path

from lineage_pipeline.contracts import Contract, ContractSet
from lineage_pipeline.ingest import sha256_of
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
