"""Per-source assets generated from the contracts: records, identities with the records they
kept, and links (linkage.py).

A new contract file adds its four assets with no code change.
"""

from typing import Any

import dagster as dg

from assets.deliveries import (
    as_records,
    delivered_keys,
    delivery_partitions,
    records_input,
)
from assets.linkage import links_asset
from assets.metadata import markdown_table, source_key, table_metadata
from assets.resources import LineageSettings
from lineage_pipeline.contracts import Contract
from lineage_pipeline.deliveries import delivery_path
from lineage_pipeline.ingest import SourceRecords, ingest_delivery, ingest_source
from lineage_pipeline.stages import (
    KeptRecords,
    StandardisedSource,
    kept_records,
    standardise_source,
)
from lineage_pipeline.warehouse import WarehouseState


def _ingest(context: dg.AssetExecutionContext, contract: Contract, now) -> SourceRecords:
    """The run's delivery (a partition), or every delivery of an unpartitioned source."""
    if delivery_partitions(contract) is None:  # first-party: read whole, in any run
        return ingest_source(contract, now)
    path = delivery_path(contract, context.partition_key)
    if not path.is_file():
        raise dg.Failure(
            f"{contract.name}: delivery {context.partition_key!r} is no longer at {path}. "
            "Put the file back, or let the sensor remove the partition."
        )
    return ingest_delivery(contract, path, now)


def records_asset(contract: Contract) -> dg.AssetsDefinition:
    partitions = delivery_partitions(contract)
    what = "one" if partitions else "every"

    @dg.asset(
        key=source_key(contract.name, "records"),
        group_name=contract.name,
        description=f"Rows of {what} {contract.name} delivery ({contract.supplier}), read as "
        "text; bad rows quarantined, bad files rejected.",
        kinds={contract.delivery.format},
        tags={"source_kind": contract.kind},
        partitions_def=partitions,
    )
    def records(context: dg.AssetExecutionContext, lineage: LineageSettings) -> SourceRecords:
        result = _ingest(context, contract, lineage.settings().now)
        deliveries = [
            {
                "file": d.path.rsplit("/", 1)[-1],
                "rows": d.rows,
                "quarantined": d.rows_quarantined,
                "status": "rejected: " + d.error
                if d.error
                else ("duplicate of " + d.duplicate_of if d.duplicate_of else "ingested"),
            }
            for d in result.deliveries
        ]
        for d in result.rejected:
            context.log.error(d.error)
        context.add_output_metadata(
            {
                **table_metadata(result.records),
                "deliveries": markdown_table(deliveries),
                "rows_quarantined": len(result.quarantine),
                "deliveries_rejected": len(result.rejected),
            }
        )
        return result

    return records


def identities_asset(contract: Contract) -> dg.AssetsDefinition:
    """`identities` (read by linking and its checks) and `kept` (read after linking), made in
    one step: the stages after linking hold only the kept records, so a run lets the identities
    go before the merge (430 MB at a million customers)."""
    identities_key = source_key(contract.name, "identities")

    @dg.multi_asset(
        name="__".join(identities_key.path),
        outs={
            "identities": dg.AssetOut(
                key=identities_key,
                group_name=contract.name,
                description=f"Canonical identity fields of each {contract.name} record; "
                "erased subjects removed.",
                kinds={"pandas"},
            ),
            "kept": dg.AssetOut(
                key=source_key(contract.name, "kept"),
                group_name=contract.name,
                description=f"The {contract.name} records standardising kept (quarantined "
                "rows and erased subjects removed), as the merge reads them.",
                kinds={"pandas"},
            ),
        },
        ins={"records": records_input(contract), "published_state": dg.AssetIn("published_state")},
    )
    def identities(
        context: dg.AssetExecutionContext,
        lineage: LineageSettings,
        records: Any,  # SourceRecords, or {delivery: SourceRecords} when partitioned
        published_state: WarehouseState,
    ) -> tuple[StandardisedSource, KeptRecords]:
        records = as_records(contract, records)
        erased_keys = published_state.erased_keys()
        result = standardise_source(
            records,
            contract,
            lineage.settings().now.date(),
            published_state.salt,
            erased_keys,
        )
        kept = kept_records(result, contract, published_state.salt, erased_keys)
        counts = {
            "rows_quarantined": len(result.quarantine),
            "rows_suppressed": len(result.suppressed),
            **_deliveries_read(delivered_keys(contract, records)),
        }
        context.add_output_metadata(
            {**table_metadata(result.identities), **counts}, output_name="identities"
        )
        context.add_output_metadata({**table_metadata(kept.records), **counts}, output_name="kept")
        return result, kept

    return identities


def _deliveries_read(keys: list[str]) -> dict:
    """For a partitioned source, which deliveries this run read (the ones ingested so far)."""
    return {"deliveries_read": dg.MetadataValue.json(keys)} if keys else {}


def source_assets(
    contract: Contract, customers_contract: Contract, link_buckets: int = 1
) -> list[dg.AssetsDefinition]:
    made = [records_asset(contract), identities_asset(contract)]
    if not contract.is_first_party:
        made.append(links_asset(contract, customers_contract, link_buckets))
    return made
