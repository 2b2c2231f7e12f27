"""Asset checks: every expectation of a stage's GX suite and every invariant, as a Dagster check
beside its asset, with observed and expected values in its metadata.

Critical checks are blocking: one failing stops `warehouse` (publishing) in the same run. Each
asset's checks run in one step that includes at least one blocking check, so `warehouse` starts
only after every check of its inputs has been evaluated and can store them all.
"""

import warnings
from collections.abc import Iterator, Mapping

import dagster as dg
import pandas as pd
from dagster._core.event_api import PartitionKeyFilter  # not re-exported by dagster

from assets.deliveries import delivery_partitions
from assets.metadata import source_key
from assets.resources import LineageSettings
from lineage_pipeline.contracts import Contract, ContractSet
from lineage_pipeline.errors import PublishBlockedError
from lineage_pipeline.ingest import SourceRecords
from lineage_pipeline.link import LinkResult
from lineage_pipeline.quality import gates, invariants
from lineage_pipeline.quality.results import (
    CRITICAL,
    WARNING,
    CheckSpec,
    QualityResult,
    result_for,
)
from lineage_pipeline.stages import KeptRecords, StandardisedSource
from lineage_pipeline.warehouse import WarehouseState

CUSTOMER_FIELDS = dg.AssetKey("customer_fields")
CUSTOMERS = dg.AssetKey("customers")


def _spec(
    key: dg.AssetKey,
    spec: CheckSpec,
    reads: tuple[dg.AssetKey, ...] = (),
    partitions: dg.PartitionsDefinition | None = None,
) -> dg.AssetCheckSpec:
    """`reads`: other assets the check needs as inputs (declared as dependencies);
    `partitions`: the asset's, so a delivery's checks run on that delivery alone."""
    with warnings.catch_warnings():
        # Partitioned checks are a Dagster preview; the tests pin the behaviour relied on.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _check_spec(key, spec, reads, partitions)


def _check_spec(
    key: dg.AssetKey,
    spec: CheckSpec,
    reads: tuple[dg.AssetKey, ...],
    partitions: dg.PartitionsDefinition | None,
) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=spec.name,
        asset=key,
        description=spec.description,
        blocking=spec.blocking,
        additional_deps=list(reads),
        metadata={"suite": spec.suite, "severity": spec.severity, "column": spec.column or ""},
        partitions_def=partitions,
    )


def _step_name(key: dg.AssetKey) -> str:
    return "__".join(key.path) + "__quality"


def _results(
    context: dg.AssetCheckExecutionContext, key: dg.AssetKey, results: list[QualityResult]
) -> Iterator[dg.AssetCheckResult]:
    """Yield one check result per quality result; failures are logged with their data."""
    for r in results:
        if not r.success:
            (context.log.error if r.blocking_failure else context.log.warning)(r.message())
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=r.expectation,
            passed=r.success,
            severity=(
                dg.AssetCheckSeverity.ERROR
                if r.severity == CRITICAL
                else dg.AssetCheckSeverity.WARN
            ),
            metadata={
                "suite": r.suite,
                "column": r.column or "",
                "observed": r.observed,
                "expected": r.expected,
                "severity": r.severity,
            },
        )


def records_checks(contract: Contract) -> dg.AssetChecksDefinition:
    key = source_key(contract.name, "records")
    partitions = delivery_partitions(contract)

    @dg.multi_asset_check(
        name=_step_name(key),
        specs=[_spec(key, s, partitions=partitions) for s in gates.records_specs(contract)],
        ins={"records": dg.AssetIn(key=key)},
    )
    def records_quality(
        context: dg.AssetCheckExecutionContext, records: SourceRecords
    ) -> Iterator[dg.AssetCheckResult]:
        results = gates.check_records(records, contract, key.to_user_string())
        yield from _results(context, key, results)

    return records_quality


def identities_checks(contract: Contract) -> dg.AssetChecksDefinition:
    key = source_key(contract.name, "identities")

    @dg.multi_asset_check(
        name=_step_name(key),
        specs=[_spec(key, s) for s in gates.identities_specs(contract)],
        ins={"identities": dg.AssetIn(key=key)},
    )
    def identities_quality(
        context: dg.AssetCheckExecutionContext, identities: StandardisedSource
    ) -> Iterator[dg.AssetCheckResult]:
        results = gates.check_identities(identities, contract, key.to_user_string())
        yield from _results(context, key, results)

    return identities_quality


def links_checks(contract: Contract) -> dg.AssetChecksDefinition:
    key = source_key(contract.name, "links")

    @dg.multi_asset_check(
        name=_step_name(key),
        specs=[_spec(key, s) for s in gates.links_specs(contract)],
        ins={"links": dg.AssetIn(key=key)},
    )
    def links_quality(
        context: dg.AssetCheckExecutionContext, links: LinkResult
    ) -> Iterator[dg.AssetCheckResult]:
        yield from _results(context, key, gates.check_links(links, contract, key.to_user_string()))

    return links_quality


def customer_fields_checks(contracts: ContractSet) -> dg.AssetChecksDefinition:
    key = CUSTOMER_FIELDS
    state = dg.AssetKey("published_state")
    first_party = source_key(contracts.first_party.name, "kept")

    @dg.multi_asset_check(
        name=_step_name(key),
        specs=[_spec(key, s, (state, first_party)) for s in gates.customer_fields_specs(contracts)],
        ins={
            "customer_fields": dg.AssetIn(key=key),
            "published_state": dg.AssetIn(key=state),
            "first_party": dg.AssetIn(key=first_party),
        },
    )
    def customer_fields_quality(
        context: dg.AssetCheckExecutionContext,
        lineage: LineageSettings,
        customer_fields: pd.DataFrame,
        published_state: WarehouseState,
        first_party: KeptRecords,
    ) -> Iterator[dg.AssetCheckResult]:
        results = gates.check_customer_fields(
            customer_fields,
            contracts,
            published_state,
            first_party.erased_by_identity,
            lineage.settings().now,
            key.to_user_string(),
        )
        yield from _results(context, key, results)

    return customer_fields_quality


def customers_checks(contracts: ContractSet) -> dg.AssetChecksDefinition:
    key = CUSTOMERS

    @dg.multi_asset_check(
        name=_step_name(key),
        specs=[_spec(key, s, (CUSTOMER_FIELDS,)) for s in gates.customers_specs(contracts)],
        ins={"customers": dg.AssetIn(key=key), "customer_fields": dg.AssetIn(CUSTOMER_FIELDS)},
    )
    def customers_quality(
        context: dg.AssetCheckExecutionContext,
        customers: pd.DataFrame,
        customer_fields: pd.DataFrame,
    ) -> Iterator[dg.AssetCheckResult]:
        results = gates.check_customers(customers, customer_fields, contracts, key.to_user_string())
        yield from _results(context, key, results)

    return customers_quality


def quality_checks(contracts: ContractSet) -> list[dg.AssetChecksDefinition]:
    """Every stage's checks, for every source of the contracts."""
    made = []
    for contract in contracts.contracts:
        made += [records_checks(contract), identities_checks(contract)]
        if not contract.is_first_party:
            made.append(links_checks(contract))
    return [*made, customer_fields_checks(contracts), customers_checks(contracts)]


def _text(metadata: dict, name: str) -> str:
    entry = metadata.get(name)
    return "" if entry is None else str(entry.value)


def evaluation_result(evaluation) -> QualityResult:
    """A Dagster AssetCheckEvaluation (as `_results` produced it) back as a QualityResult."""
    metadata = evaluation.metadata or {}
    warn = evaluation.severity == dg.AssetCheckSeverity.WARN
    partition = f"[{evaluation.partition}]" if evaluation.partition else ""
    return QualityResult(
        suite=_text(metadata, "suite"),
        asset=evaluation.asset_key.to_user_string() + partition,
        expectation=evaluation.check_name,
        column=_text(metadata, "column") or None,
        success=bool(evaluation.passed),
        observed=_text(metadata, "observed"),
        expected=_text(metadata, "expected"),
        severity=_text(metadata, "severity") or (WARNING if warn else CRITICAL),
    )


def run_quality_results(instance: dg.DagsterInstance, run_id: str) -> list[QualityResult]:
    """The checks evaluated so far in this run, read from its event log."""
    records = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return [evaluation_result(r.dagster_event.event_specific_data) for r in records]


def delivery_check_results(
    instance: dg.DagsterInstance,
    run_id: str,
    contracts: ContractSet,
    delivered: Mapping[str, list[str]],
) -> list[QualityResult]:
    """The checks of each delivery read that an earlier run ingested (and checked).

    A delivery is checked when it is ingested; a blocking failure there must still stop every
    later run that reads it. A check never evaluated (its run failed first) counts as failed.
    """
    results = []
    for contract in contracts.contracts:
        key = source_key(contract.name, "records")
        specs = {s.name: s for s in gates.records_specs(contract)}
        checks = [dg.AssetCheckKey(key, name) for name in specs]
        for partition in delivered.get(contract.name, []):
            latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(
                checks, partition_filter=PartitionKeyFilter(key=partition)
            )
            for check in checks:
                record = latest.get(check)
                if record is not None and record.run_id == run_id:
                    continue  # evaluated by this run: among its own results
                if record is None or record.event is None or record.event.dagster_event is None:
                    spec = specs[check.name]
                    results.append(
                        result_for(
                            spec,
                            f"{key.to_user_string()}[{partition}]",
                            False,
                            "never evaluated",
                            "evaluated when the delivery was ingested",
                        )
                    )
                else:
                    results.append(
                        evaluation_result(record.event.dagster_event.event_specific_data)
                    )
    return results


def publish_gate(
    context: dg.AssetExecutionContext,
    deliveries: pd.DataFrame,
    earlier: list[QualityResult],
) -> list[QualityResult]:
    """This run's check results, the checks of deliveries ingested `earlier`, and the last gate
    before publishing (every delivery row accounted for). Raises PublishBlockedError, naming
    the check and data, if any critical check failed: blocking checks normally stop the run
    before it gets here."""
    balance = invariants.deliveries_balance(deliveries, context.asset_key.to_user_string())
    results = [*run_quality_results(context.instance, context.run_id), *earlier, balance]
    blocked = [r for r in results if r.blocking_failure]
    if blocked:
        raise PublishBlockedError("; ".join(r.message() for r in blocked))
    return results
