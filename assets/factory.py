"""Build the Definitions from a contracts folder: the asset graph follows the contracts."""

import dagster as dg

from assets.checks import quality_checks
from assets.deliveries import delivery_sensor, pipeline_jobs
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
        made.extend(source_assets(contract, contracts.first_party, settings.link_buckets))
    made.extend(warehouse_assets(contracts))
    made.extend(quality_checks(contracts))
    return made


def resources(settings: Settings, io_manager: dg.IOManager | None = None) -> dict[str, object]:
    """The settings resource; `io_manager` replaces Dagster's default (files in its storage)."""
    made: dict[str, object] = {
        "lineage": LineageSettings(
            contracts_dir=str(settings.contracts_dir.resolve()),
            warehouse_path=str(settings.warehouse_path.resolve()),
            now=settings.pinned_now.isoformat() if settings.pinned_now else "",
        )
    }
    if io_manager is not None:
        made["io_manager"] = dg.IOManagerDefinition.hardcoded_io_manager(io_manager)
    return made


def build_definitions(
    settings: Settings,
    io_manager: dg.IOManager | None = None,
    executor: dg.ExecutorDefinition = EXECUTOR,
) -> dg.Definitions:
    """`executor`: steps in one process by default; a parallel executor runs link buckets at
    once (only `warehouse` and `retention` write the DuckDB file, one after the other)."""
    contracts = load_contracts(settings.contracts_dir)
    watched = [c for c in contracts.contracts if not c.is_first_party]
    return dg.Definitions(
        assets=[*all_assets(settings), retention],
        jobs=[*pipeline_jobs(contracts), retention_job, privacy_request_job],
        schedules=[retention_schedule],
        sensors=[
            *(delivery_sensor(c, contracts) for c in watched),
            request_sensor(requests_folder(settings)),
        ],
        resources=resources(settings, io_manager),
        executor=executor,
    )
