"""Cross-source assets: the state carried over, merged values, customers, evidence, and the
published warehouse."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from assets.checks import delivery_check_results, publish_gate
from assets.deliveries import as_records, delivered_keys, records_input
from assets.metadata import (
    field_lineage,
    field_tags,
    markdown_table,
    source_key,
    table_metadata,
)
from assets.resources import LineageSettings
from lineage_pipeline import assemble, merge
from lineage_pipeline.contracts import ContractSet
from lineage_pipeline.ingest import RECORD_ID, SourceRecords
from lineage_pipeline.link import LinkResult
from lineage_pipeline.link.histogram import probability_histogram
from lineage_pipeline.merge import SourceValues
from lineage_pipeline.privacy.purposes import create_purpose_views, purposes_table
from lineage_pipeline.publish import publish, remove_stale_builds
from lineage_pipeline.quality.results import quality_history, summarise
from lineage_pipeline.report import summary_markdown
from lineage_pipeline.stages import KeptRecords
from lineage_pipeline.warehouse import read_state

WAREHOUSE_GROUP = "warehouse"


@dataclass(frozen=True)
class DeliveryReport:
    """The per-delivery tables and link figures the warehouse publishes and summarises."""

    deliveries: pd.DataFrame
    quarantine: pd.DataFrame
    weights: pd.DataFrame
    delivered: dict[str, list[str]]  # source -> delivery partitions read by this run
    links: dict[str, LinkResult]  # without their evidence


def _by_source(inputs: Mapping[str, object], suffix: str) -> dict[str, object]:
    return {k.removesuffix(suffix): v for k, v in inputs.items() if k.endswith(suffix)}


def _ins(contracts: ContractSet, kinds: tuple[str, ...]) -> dict[str, dg.AssetIn]:
    ins: dict[str, dg.AssetIn] = {}
    for contract in contracts.contracts:
        for kind in kinds:
            if kind == "links" and contract.is_first_party:
                continue
            ins[f"{contract.name}__{kind}"] = (
                records_input(contract)
                if kind == "records"
                else dg.AssetIn(key=source_key(contract.name, kind))
            )
    return ins


def _records(contracts: ContractSet, inputs: Mapping[str, object]) -> dict[str, SourceRecords]:
    """Each source's records input as one SourceRecords (deliveries joined)."""
    loaded = _by_source(inputs, "__records")
    return {c.name: as_records(c, loaded[c.name]) for c in contracts.contracts}


@dg.asset(group_name="previous_warehouse", kinds={"duckdb"})
def published_state(context: dg.AssetExecutionContext, lineage: LineageSettings):
    """What the published warehouse holds that a run keeps: suppressions, corrections, history."""
    path = lineage.settings().warehouse_path
    removed = remove_stale_builds(path.resolve())
    state = read_state(path)
    context.add_output_metadata(
        {
            "warehouse": str(path),
            # rows carried into the next warehouse: suppressions, corrections, history
            "dagster/row_count": sum(len(t) for t in state.tables.values()),
            "stale_builds_removed": len(removed),
            "suppressions": len(state.table("suppressions")),
            "corrections": len(state.table("corrections")),
            "previous_runs": len(state.table("runs")),
        }
    )
    return state


def _source_values(
    contracts: ContractSet,
    records: dict[str, SourceRecords],
    kept: dict[str, KeptRecords],
    links: dict[str, LinkResult],
    runs: pd.DataFrame,
) -> list[SourceValues]:
    run_of = dict(zip(runs["path"], runs["run_id"], strict=True))
    values = []
    for c in contracts.contracts:
        acquired = {d.path: d.acquired_at for d in records[c.name].deliveries if not d.error}
        values.append(
            SourceValues(
                contract=c,
                records=kept[c.name].records,
                acquired_at=acquired,
                run_ids=run_of,
                links=None if c.is_first_party else links[c.name].links,
            )
        )
    return values


def warehouse_assets(contracts: ContractSet) -> list[dg.AssetsDefinition]:
    """customer_fields, customers, match_evidence and warehouse, wired to every source."""
    source_ins = _ins(contracts, ("records", "kept", "links"))
    state_in = {"published_state": dg.AssetIn(key="published_state")}

    @dg.asset(group_name=WAREHOUSE_GROUP, ins={**source_ins, **state_in}, kinds={"pandas"})
    def customer_fields(
        context: dg.AssetExecutionContext, lineage: LineageSettings, published_state, **inputs
    ) -> pd.DataFrame:
        """Every value held for a customer with its source, delivery, match probability, legal
        basis, purposes, dates and history; survivors marked is_current."""
        settings = lineage.settings()
        records = _records(contracts, inputs)
        runs = assemble.delivery_runs(records, published_state, context.run_id, settings.now)
        values = _source_values(
            contracts,
            records,
            _by_source(inputs, "__kept"),
            _by_source(inputs, "__links"),
            runs,
        )
        fields = merge.customer_fields(
            values,
            published_state.table("corrections"),
            contracts,
            settings.now,
            settings.history_grace,
        )
        # One column of the current rows is counted: a row selection would copy every column.
        current_sources = fields.loc[fields["is_current"].to_numpy(dtype=bool), "source"]
        per_source = current_sources.value_counts(sort=False).sort_index().to_dict()
        context.add_output_metadata(
            {
                **table_metadata(fields),
                "current_values_per_source": dg.MetadataValue.json(per_source),
            }
        )
        return fields

    first_party = contracts.first_party.name

    @dg.asset(
        group_name=WAREHOUSE_GROUP,
        ins={
            "customer_fields": dg.AssetIn(key="customer_fields"),
            "first_party": dg.AssetIn(key=source_key(first_party, "kept")),
        },
        kinds={"pandas"},
    )
    def customers(
        context: dg.AssetExecutionContext,
        customer_fields: pd.DataFrame,
        first_party: KeptRecords,
    ) -> pd.DataFrame:
        """The current profile of each customer: one column per field, the surviving value."""
        table = merge.customers_table(
            customer_fields, first_party.records[RECORD_ID], contracts.field_names()
        )
        filled = {c: int(table[c].notna().sum()) for c in table.columns if c != "customer_id"}
        context.add_output_metadata(
            {
                **table_metadata(table, field_tags(contracts)),
                "dagster/column_lineage": field_lineage(contracts),
                "filled_per_field": dg.MetadataValue.json(filled),
            }
        )
        return table

    link_ins = _ins(contracts, ("links",))

    @dg.asset(group_name=WAREHOUSE_GROUP, ins=link_ins, kinds={"pandas"})
    def match_evidence(context: dg.AssetExecutionContext, **inputs) -> pd.DataFrame:
        """Every candidate link scored above the floor: comparisons, weights and the decision."""
        evidence = assemble.evidence_table(_by_source(inputs, "__links"), context.run_id)
        decisions = evidence["decision"].value_counts().to_dict() if len(evidence) else {}
        context.add_output_metadata(
            {**table_metadata(evidence), "decisions": dg.MetadataValue.json(decisions)}
        )
        return evidence

    @dg.asset(
        group_name=WAREHOUSE_GROUP,
        ins={**_ins(contracts, ("records", "kept", "links")), **state_in},
        kinds={"pandas"},
    )
    def delivery_report(
        context: dg.AssetExecutionContext, lineage: LineageSettings, published_state, **inputs
    ) -> DeliveryReport:
        """What the warehouse tells of each delivery: the deliveries and quarantine tables, the
        match weights and each source's link figures. Taken out of the records, kept records
        and links here, so a headless run can let those go before the big tables are published."""
        settings = lineage.settings()
        records = _records(contracts, inputs)
        kept = _by_source(inputs, "__kept")
        links = _by_source(inputs, "__links")
        runs = assemble.delivery_runs(records, published_state, context.run_id, settings.now)
        report = DeliveryReport(
            deliveries=assemble.deliveries_table(records, kept, links, runs),
            quarantine=assemble.quarantine_table(kept, context.run_id),
            weights=assemble.weights_table(links, context.run_id),
            delivered={c.name: delivered_keys(c, records[c.name]) for c in contracts.contracts},
            # The evidence is published from match_evidence; the rest is small.
            links={name: replace(r, evidence=r.evidence.iloc[:0]) for name, r in links.items()},
        )
        context.add_output_metadata(table_metadata(report.deliveries))
        return report

    @dg.asset(
        group_name=WAREHOUSE_GROUP,
        ins={
            **state_in,
            "delivery_report": dg.AssetIn(key="delivery_report"),
            "customer_fields": dg.AssetIn(key="customer_fields"),
            "customers": dg.AssetIn(key="customers"),
            "match_evidence": dg.AssetIn(key="match_evidence"),
        },
        kinds={"duckdb"},
    )
    def warehouse(
        context: dg.AssetExecutionContext,
        lineage: LineageSettings,
        published_state,
        delivery_report: DeliveryReport,
        customer_fields: pd.DataFrame,
        customers: pd.DataFrame,
        match_evidence: pd.DataFrame,
    ) -> dg.MaterializeResult:
        """The published DuckDB warehouse, built aside and swapped in atomically; its metadata
        summarises the run (row count and schema: the customers table)."""
        settings = lineage.settings()
        links, deliveries = delivery_report.links, delivery_report.deliveries
        summary = assemble.run_summary(deliveries, links, customer_fields, customers)
        earlier = delivery_check_results(
            context.instance, context.run_id, contracts, delivery_report.delivered
        )
        quality = publish_gate(context, deliveries, earlier)
        summary["quality"] = summarise(quality)
        started = context.instance.get_run_stats(context.run_id).start_time
        tables = {
            **published_state.tables,
            "sources": assemble.sources_table(contracts),
            "deliveries": deliveries,
            "quarantine": delivery_report.quarantine,
            "customer_fields": customer_fields,
            "customers": customers,
            "match_evidence": match_evidence,
            "match_weights": delivery_report.weights,
            "purposes": purposes_table(contracts),
            "quality_results": quality_history(
                published_state.table("quality_results"), quality, context.run_id, settings.now
            ),
        }
        tables["runs"] = assemble.runs_table(
            published_state,
            context.run_id,
            datetime.fromtimestamp(started or 0, UTC).replace(tzinfo=None),
            settings.now,
            summary,
        )
        path = publish(
            settings.warehouse_path,
            context.run_id,
            tables,
            finish=lambda con: create_purpose_views(con, settings.pinned_now),
            expected=published_state.fingerprint,
        )
        charts = {
            name: probability_histogram(r.probabilities, contracts.get(name).match.threshold)
            for name, r in links.items()
        }
        return dg.MaterializeResult(
            metadata={
                **table_metadata(customers, field_tags(contracts)),
                "path": str(path),
                "run_summary": dg.MetadataValue.md(summary_markdown(summary, charts)),
                "summary": dg.MetadataValue.json(summary),
                "deliveries": markdown_table(summary["deliveries"]),
                "quality": dg.MetadataValue.json(summary["quality"]),
            }
        )

    return [customer_fields, customers, match_evidence, delivery_report, warehouse]
