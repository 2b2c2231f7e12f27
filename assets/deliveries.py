"""Deliveries as they arrive: each third-party file is a dynamic partition of its source's
`records`, and a sensor per source adds new files as partitions and asks for a run of each.

A sensor's run ingests the new file and refreshes everything downstream, reading every delivery
of every source already ingested, so the warehouse published is always whole. Runs that publish
never overlap (the second would find the warehouse changed under it), so a sensor waits while
one is in progress and asks for one file per run.
"""

import json
from pathlib import Path

import dagster as dg

from assets.metadata import source_key
from lineage_pipeline.contracts import Contract, ContractSet
from lineage_pipeline.deliveries import delivery_key
from lineage_pipeline.ingest import SourceRecords, join_deliveries

# Runs that publish the warehouse carry this tag; a sensor waits while one is in progress.
REFRESH_TAG = "lineage/publishes"
PUBLISH_JOB = "publish_warehouse"
ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def delivery_partitions(contract: Contract) -> dg.DynamicPartitionsDefinition | None:
    """One partition per delivery file of a third-party source; first-party data is a whole."""
    if contract.is_first_party:
        return None
    return dg.DynamicPartitionsDefinition(name=f"{contract.name}_deliveries")


def records_input(contract: Contract) -> dg.AssetIn:
    """Every ingested delivery of a source. A delivery added but not yet ingested (its run is
    still to come) is left out rather than failing the run; its own run brings it in."""
    return dg.AssetIn(
        key=source_key(contract.name, "records"),
        metadata={"allow_missing_partitions": True} if delivery_partitions(contract) else None,
    )


def as_records(
    contract: Contract, loaded: SourceRecords | dict[str, SourceRecords] | None
) -> SourceRecords:
    """A records input as one SourceRecords: several partitions arrive as {delivery: records},
    and none (no delivery ingested yet) as None."""
    if isinstance(loaded, SourceRecords):
        return loaded
    return join_deliveries(contract, (loaded or {}).values())


def delivered_keys(contract: Contract, records: SourceRecords) -> list[str]:
    """The delivery partitions a partitioned source's joined records came from."""
    if delivery_partitions(contract) is None:
        return []
    return [delivery_key(contract, Path(d.path)) for d in records.deliveries]


def partitioned_records(contracts: ContractSet) -> list[dg.AssetKey]:
    return [source_key(c.name, "records") for c in contracts.contracts if delivery_partitions(c)]


def publish_selection(contracts: ContractSet) -> dg.AssetSelection:
    """Everything but the per-delivery records: it reads every delivery ingested and publishes."""
    return dg.AssetSelection.all() - dg.AssetSelection.assets(*partitioned_records(contracts))


def pipeline_jobs(contracts: ContractSet) -> list:
    """`ingest_<source>` reads one delivery (a partition) and checks it; `publish_warehouse`
    refreshes everything downstream from the deliveries ingested so far and publishes."""
    jobs = [
        dg.define_asset_job(
            f"ingest_{c.name}",
            selection=dg.AssetSelection.assets(source_key(c.name, "records")),
            partitions_def=delivery_partitions(c),
            description=f"Ingest and check one {c.name} delivery (no publishing).",
        )
        for c in contracts.contracts
        if delivery_partitions(c)
    ]
    publish = dg.define_asset_job(
        PUBLISH_JOB,
        selection=publish_selection(contracts),
        tags={REFRESH_TAG: "true"},
        description="Standardise, link and merge every delivery ingested, check, and publish.",
    )
    return [*jobs, publish]


def signature(path: Path) -> str:
    """Size and modification time: a cheap sign that a file is new or was replaced."""
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def publishing_run_active(instance: dg.DagsterInstance) -> bool:
    runs = instance.get_run_records(
        filters=dg.RunsFilter(statuses=ACTIVE, tags={REFRESH_TAG: "true"}), limit=1
    )
    return bool(runs)


def delivery_sensor(contract: Contract, contracts: ContractSet) -> dg.SensorDefinition:
    """Watch the contract's delivery glob: add new files as partitions (and drop vanished
    ones), and ask for a run of the oldest file not yet run, once no publishing run is active.

    The cursor maps each delivery key to the signature of the file when its run was asked for,
    so a replaced file is run again and a run is never asked for twice.
    """
    partitions = delivery_partitions(contract)
    assert partitions is not None, "first-party data has no deliveries to watch"

    @dg.sensor(
        name=f"{contract.name}_deliveries",
        asset_selection=dg.AssetSelection.assets(source_key(contract.name, "records"))
        | publish_selection(contracts),
        minimum_interval_seconds=30,
        description=f"New files matching {contract.delivery.path} ({contract.name}): one run each.",
    )
    def watch(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        asked: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        present = {delivery_key(contract, p): signature(p) for p in contract.delivery_files()}
        known = set(context.instance.get_dynamic_partitions(partitions.name))
        changes = []
        if added := sorted(set(present) - known):
            changes.append(partitions.build_add_request(added))
        if gone := sorted(known - set(present)):
            changes.append(partitions.build_delete_request(gone))
        asked = {k: v for k, v in asked.items() if k in present}
        waiting = [k for k in sorted(present) if asked.get(k) != present[k]]
        if not waiting:
            return dg.SensorResult(dynamic_partitions_requests=changes, cursor=json.dumps(asked))
        if publishing_run_active(context.instance):
            return dg.SensorResult(
                dynamic_partitions_requests=changes,
                cursor=json.dumps(asked),
                skip_reason=f"{len(waiting)} new deliveries wait for the run in progress",
            )
        key = waiting[0]
        asked[key] = present[key]
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=f"{key}@{present[key]}",
                    partition_key=key,
                    tags={REFRESH_TAG: "true"},
                )
            ],
            dynamic_partitions_requests=changes,
            cursor=json.dumps(asked),
        )

    return watch
