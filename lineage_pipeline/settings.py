"""Run settings shared by the command line and the Dagster definitions.

Environment: LINEAGE_CONTRACTS, LINEAGE_WAREHOUSE, LINEAGE_NOW (ISO date-time: pins "now" for
reproducible runs and tests), LINEAGE_HISTORY_GRACE_DAYS, LINEAGE_LINK_BUCKETS (link each source in
that many buckets, as separate steps an executor can run in parallel; default 1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lineage_pipeline.errors import LineageError

DEFAULT_CONTRACTS = Path("contracts")
DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")
DEFAULT_HISTORY_GRACE_DAYS = 30


def utc_now() -> datetime:
    """Now as naive UTC, the form DuckDB TIMESTAMP columns hold."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class Settings:
    """Where the contracts and the published warehouse are, and the clock."""

    contracts_dir: Path = DEFAULT_CONTRACTS
    warehouse_path: Path = DEFAULT_WAREHOUSE
    # None: the wall clock at each use; set it to replay a run "as of" a moment.
    pinned_now: datetime | None = None
    history_grace: timedelta = timedelta(days=DEFAULT_HISTORY_GRACE_DAYS)
    link_buckets: int = 1

    @property
    def now(self) -> datetime:
        return self.pinned_now or utc_now()

    @classmethod
    def from_env(cls, contracts: Path | None = None, warehouse: Path | None = None) -> Settings:
        pinned = os.environ.get("LINEAGE_NOW")
        grace = int(os.environ.get("LINEAGE_HISTORY_GRACE_DAYS", DEFAULT_HISTORY_GRACE_DAYS))
        buckets = os.environ.get("LINEAGE_LINK_BUCKETS", "1")
        if not buckets.isdigit() or int(buckets) < 1:
            raise LineageError(f"LINEAGE_LINK_BUCKETS must be 1 or more, not {buckets!r}")
        return cls(
            contracts_dir=Path(contracts or os.environ.get("LINEAGE_CONTRACTS", DEFAULT_CONTRACTS)),
            warehouse_path=Path(
                warehouse or os.environ.get("LINEAGE_WAREHOUSE", DEFAULT_WAREHOUSE)
            ),
            pinned_now=datetime.fromisoformat(pinned).replace(tzinfo=None) if pinned else None,
            history_grace=timedelta(days=grace),
            link_buckets=int(buckets),
        )
