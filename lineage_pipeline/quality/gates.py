"""The quality gate of each stage: its bound suite and invariants (specs, known from the
contracts alone) and the function that evaluates them on the stage's results.

Invariant: for every stage, `check_<stage>` returns exactly one result per spec of
`<stage>_specs`, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial

import pandas as pd

from lineage_pipeline.contracts import Contract, ContractSet
from lineage_pipeline.ingest import SourceRecords
from lineage_pipeline.link import LinkResult
from lineage_pipeline.quality import invariants, views
from lineage_pipeline.quality.results import CheckSpec, QualityResult, result_for
from lineage_pipeline.quality.suites import Suite, bind, load_suite
from lineage_pipeline.quality.validation import validate, validate_per_delivery
from lineage_pipeline.stages import StandardisedSource
from lineage_pipeline.warehouse import WarehouseState

RAW_DELIVERY = "raw_delivery"
IDENTITIES = "identities"
LINKS = "links"
CUSTOMER_FIELDS = "customer_fields"
CUSTOMERS = "customers"
SUITES = (RAW_DELIVERY, IDENTITIES, LINKS, CUSTOMER_FIELDS, CUSTOMERS)


def records_suite(contract: Contract) -> Suite:
    return bind(load_suite(RAW_DELIVERY), views.delivery_parameters(contract))


def records_specs(contract: Contract) -> list[CheckSpec]:
    extra = [invariants.ROWS_ACCOUNTED_FOR, invariants.DELIVERIES_ACCEPTED]
    return [*records_suite(contract).specs(), *extra]


def check_records(records: SourceRecords, contract: Contract, asset: str) -> list[QualityResult]:
    def triples(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
        return views.coded_delivery_view(rows, contract)

    suite = records_suite(contract)
    if records.read:
        rows = validate_per_delivery(suite, records.records, asset, triples)
    else:  # every delivery here was rejected (a partition of one): no rows, nothing to check
        rows = [
            result_for(spec, asset, True, "no delivery read", "rows to check")
            for spec in suite.specs()
        ]
    return [
        *rows,
        invariants.rows_accounted_for(records, asset),
        invariants.deliveries_accepted(records, asset),
    ]


def identities_suite(contract: Contract) -> Suite:
    return bind(load_suite(IDENTITIES), views.identities_parameters(contract))


def identities_specs(contract: Contract) -> list[CheckSpec]:
    return identities_suite(contract).specs()


def check_identities(
    standardised: StandardisedSource, contract: Contract, asset: str
) -> list[QualityResult]:
    view = views.identities_view(standardised, contract)
    return validate_per_delivery(identities_suite(contract), view, asset)


def links_suite(contract: Contract) -> Suite:
    return bind(load_suite(LINKS), views.links_parameters(contract))


def links_specs(contract: Contract) -> list[CheckSpec]:
    return links_suite(contract).specs()


def check_links(result: LinkResult, contract: Contract, asset: str) -> list[QualityResult]:
    return validate(links_suite(contract), views.links_view(result), asset)


def customer_fields_suite(contracts: ContractSet) -> Suite:
    return bind(load_suite(CUSTOMER_FIELDS), views.customer_fields_parameters(contracts))


def customer_fields_specs(contracts: ContractSet) -> list[CheckSpec]:
    extra = [
        invariants.PURPOSES_IN_TAXONOMY,
        invariants.PURPOSES_GRANTED,
        invariants.NOTHING_EXPIRED,
        invariants.THRESHOLDS_MET,
        invariants.NOTHING_FOR_ERASED,
    ]
    return [*customer_fields_suite(contracts).specs(), *extra]


def check_customer_fields(
    fields: pd.DataFrame,
    contracts: ContractSet,
    state: WarehouseState,
    erased_by_identity: Iterable[str],
    now: datetime,
    asset: str,
) -> list[QualityResult]:
    """`erased_by_identity`: the customers erased by an identity key (`KeptRecords`)."""
    purposes = invariants.purpose_codes(fields)  # read by two invariants
    also = [
        partial(invariants.purposes_in_taxonomy, fields, contracts, asset, purposes),
        partial(invariants.purposes_granted, fields, contracts, asset, purposes),
        partial(invariants.nothing_expired, fields, now, asset),
        partial(invariants.thresholds_met, fields, contracts, asset),
        partial(
            invariants.nothing_for_erased,
            fields,
            state.salt,
            state.erased_keys(),
            asset,
            erased_by_identity,
        ),
    ]
    view = views.customer_fields_view(fields)
    return validate(customer_fields_suite(contracts), view, asset, also=also)


def customers_suite(contracts: ContractSet) -> Suite:
    return bind(load_suite(CUSTOMERS), views.customers_parameters(contracts))


def customers_specs(contracts: ContractSet) -> list[CheckSpec]:
    return [*customers_suite(contracts).specs(), invariants.CUSTOMERS_AGREE]


def check_customers(
    customers: pd.DataFrame, fields: pd.DataFrame, contracts: ContractSet, asset: str
) -> list[QualityResult]:
    # Not among `validate`'s parts: it takes longer than all of them, and a worker running it
    # would copy much of the parent's memory.
    return [
        *validate(customers_suite(contracts), customers, asset),
        invariants.customers_agree(customers, fields, asset),
    ]
