"""Privacy wiring: the retention sweep as an asset on a daily schedule, and privacy request files
picked up by a sensor and carried out by a job. The work itself is lineage_pipeline.privacy."""

import json
from pathlib import Path

import dagster as dg

from assets.resources import LineageSettings
from lineage_pipeline.privacy.request_files import digest, handle_file
from lineage_pipeline.privacy.retention import sweep

PRIVACY_GROUP = "privacy"
RETENTION_CRON = "0 3 * * *"


@dg.asset(group_name=PRIVACY_GROUP, deps=["warehouse"], kinds={"duckdb"})
def retention(context: dg.AssetExecutionContext, lineage: LineageSettings) -> dg.MaterializeResult:
    """The published warehouse with values past expiry closed and history past the grace
    period removed (rewritten only when something expired)."""
    receipt = sweep(lineage.settings())
    for note in receipt.notes:
        context.log.info(note)
    return dg.MaterializeResult(
        metadata={
            "request_id": receipt.request_id,
            "values_expired": receipt.counts.get("values_expired", 0),
            "history_rows_removed": -receipt.counts.get("customer_fields", 0),
            "customers_changed": receipt.counts.get("customers_changed", 0),
        }
    )


retention_job = dg.define_asset_job("retention_job", selection=[retention])
retention_schedule = dg.ScheduleDefinition(
    name="daily_retention", cron_schedule=RETENTION_CRON, job=retention_job
)


class RequestFile(dg.Config):
    """The request file to carry out."""

    path: str


@dg.op
def privacy_request(
    context: dg.OpExecutionContext, config: RequestFile, lineage: LineageSettings
) -> dict:
    """Carry out one privacy request file and log it in privacy_requests."""
    receipt = handle_file(Path(config.path), lineage.settings())
    context.add_output_metadata(
        {
            "request_id": receipt.request_id,
            "kind": receipt.kind,
            "counts": dg.MetadataValue.json(receipt.counts),
        }
    )
    return receipt.as_dict()


@dg.job
def privacy_request_job() -> None:
    privacy_request()


def request_sensor(
    folder: Path, job: dg.JobDefinition = privacy_request_job
) -> dg.SensorDefinition:
    """A sensor that asks for one run per new `*.json` request file in `folder`.

    The cursor holds the digests of files already requested that are still in the folder (a
    handled file is deleted), so it stays as small as the folder.
    """

    @dg.sensor(name="privacy_request_files", job=job, minimum_interval_seconds=30)
    def privacy_request_files(context: dg.SensorEvaluationContext):
        requested = set(json.loads(context.cursor)) if context.cursor else set()
        present: dict[str, Path] = {}
        if folder.is_dir():
            present = {digest(p): p for p in sorted(folder.glob("*.json"))}
        for key, path in present.items():
            if key not in requested:
                yield dg.RunRequest(
                    run_key=key,
                    run_config={"ops": {"privacy_request": {"config": {"path": str(path)}}}},
                )
        context.update_cursor(json.dumps(sorted(present)))

    return privacy_request_files
