"""Resources: where the contracts and the warehouse are, and the run's clock."""

from datetime import datetime
from pathlib import Path

import dagster as dg

from lineage_pipeline.settings import Settings


class LineageSettings(dg.ConfigurableResource):
    """Paths and clock for a run (defaults from LINEAGE_CONTRACTS / LINEAGE_WAREHOUSE)."""

    contracts_dir: str
    warehouse_path: str
    now: str = ""

    def settings(self) -> Settings:
        return Settings(
            contracts_dir=Path(self.contracts_dir),
            warehouse_path=Path(self.warehouse_path),
            pinned_now=datetime.fromisoformat(self.now) if self.now else None,
        )
