"""Build the Definitions from a contracts folder: the asset graph follows the contracts."""

import dagster as dg

from assets.checks import quality_checks
from assets.privacy import (
    privacy_request_job,
    request_sensor,
    retention,
    retention_job,
    retention_schedule,
)
from assets.resources import LineageSettings
from assets.sources import source_assets
from assets.warehouse import published_state, warehouse_assets
from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.privacy.request_files import requests_folder
from lineage_pipeline.settings import Settings

# Writers share one DuckDB file, which DuckDB will not open twice: run steps in one process.
EXECUTOR = dg.in_process_executor


def all_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    """Every asset with its quality checks beside it (AssetChecksDefinition is an asset too)."""
    contracts = load_contracts(settings.contracts_dir)
    made: list[dg.AssetsDefinition] = [published_state]
    for contract in contracts.contracts:
        made.extend(source_assets(contract, contracts.first_party))
    made.extend(warehouse_assets(contracts))
    made.extend(quality_checks(contracts))
    return made


def resources(settings: Settings) -> dict[str, object]:
    return {
        "lineage": LineageSettings(
            contracts_dir=str(settings.contracts_dir.resolve()),
            warehouse_path=str(settings.warehouse_path.resolve()),
            now=settings.pinned_now.isoformat() if settings.pinned_now else "",
        )
    }


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=[*all_assets(settings), retention],
        jobs=[retention_job, privacy_request_job],
        schedules=[retention_schedule],
        sensors=[request_sensor(requests_folder(settings))],
        resources=resources(settings),
        executor=EXECUTOR,
    )
