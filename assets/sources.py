"""Per-source assets generated from the contracts: records, identities and links.

A new contract file adds its three assets with no code change.
"""

import dagster as dg
import pandas as pd

from assets.metadata import markdown_table, source_key, table_metadata
from assets.resources import LineageSettings
from lineage_pipeline.contracts import Contract
from lineage_pipeline.ingest import SourceRecords, ingest_source
from lineage_pipeline.link import LinkResult, link_source
from lineage_pipeline.link.histogram import probability_histogram
from lineage_pipeline.stages import StandardisedSource, customer_index, standardise_source
from lineage_pipeline.warehouse import WarehouseState


def records_asset(contract: Contract) -> dg.AssetsDefinition:
    @dg.asset(
        key=source_key(contract.name, "records"),
        group_name=contract.name,
        description=f"Rows of every {contract.name} delivery ({contract.supplier}), read as "
        "text; bad rows quarantined, bad files rejected.",
        kinds={contract.delivery.format},
        tags={"source_kind": contract.kind},
    )
    def records(context: dg.AssetExecutionContext, lineage: LineageSettings) -> SourceRecords:
        result = ingest_source(contract, lineage.settings().now)
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
    @dg.asset(
        key=source_key(contract.name, "identities"),
        group_name=contract.name,
        ins={
            "records": dg.AssetIn(key=source_key(contract.name, "records")),
            "published_state": dg.AssetIn(key="published_state"),
        },
        description=f"Canonical identity fields of each {contract.name} record; erased "
        "subjects removed.",
        kinds={"pandas"},
    )
    def identities(
        context: dg.AssetExecutionContext,
        lineage: LineageSettings,
        records: SourceRecords,
        published_state: WarehouseState,
    ) -> StandardisedSource:
        result = standardise_source(
            records,
            contract,
            lineage.settings().now.date(),
            published_state.salt,
            published_state.erased_keys(),
        )
        context.add_output_metadata(
            {
                **table_metadata(result.identities),
                "rows_quarantined": len(result.quarantine),
                "rows_suppressed": len(result.suppressed),
            }
        )
        return result

    return identities


def links_asset(contract: Contract, customers_contract: Contract) -> dg.AssetsDefinition:
    @dg.asset(
        key=source_key(contract.name, "links"),
        group_name=contract.name,
        ins={
            "identities": dg.AssetIn(key=source_key(contract.name, "identities")),
            "customers": dg.AssetIn(key=source_key(customers_contract.name, "identities")),
        },
        description=f"{contract.name} records linked to customers by recordlinkage and a "
        f"Fellegi-Sunter model (threshold {contract.match.threshold}).",
        kinds={"recordlinkage"},
    )
    def links(
        context: dg.AssetExecutionContext,
        identities: StandardisedSource,
        customers: StandardisedSource,
    ) -> LinkResult:
        customer_identities, customer_ids = customer_index(customers)
        result = link_source(contract, identities.identities, customer_identities, customer_ids)
        rate = (
            result.linked_records / len(identities.identities) if len(identities.identities) else 0
        )
        passes = [
            {"pass": k, "pairs": "skipped: not selective at this size" if v < 0 else v}
            for k, v in result.candidates_per_pass.items()
        ]
        context.add_output_metadata(
            {
                **table_metadata(result.links),
                "candidate_pairs": result.candidate_pairs,
                "candidates_per_pass": markdown_table(passes),
                "linked_records": result.linked_records,
                "match_rate": dg.MetadataValue.float(round(rate, 4)),
                "match_probability_histogram": dg.MetadataValue.md(
                    probability_histogram(result.probabilities, contract.match.threshold)
                ),
                "decisions": dg.MetadataValue.json(
                    result.evidence["decision"].value_counts().to_dict()
                    if not result.evidence.empty
                    else {}
                ),
            }
        )
        return result

    return links


def source_assets(contract: Contract, customers_contract: Contract) -> list[dg.AssetsDefinition]:
    made = [records_asset(contract), identities_asset(contract)]
    if not contract.is_first_party:
        made.append(links_asset(contract, customers_contract))
    return made


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
