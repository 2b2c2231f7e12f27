"""Quality gates in the library: the GX suites in expectations/ and the invariants, run for
real (one GX context per session) on the tiny deployment's stage results and its warehouse."""

import json
import subprocess
import sys
from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from lineage_pipeline.contracts import ContractSet, load_contracts
from lineage_pipeline.ingest import SourceRecords, ingest_source
from lineage_pipeline.link import link_source
from lineage_pipeline.privacy.subject_keys import customer_key, erased_by_identity, hash_key
from lineage_pipeline.quality import gates, invariants
from lineage_pipeline.quality.results import CRITICAL, WARNING
from lineage_pipeline.quality.suites import bind, load_suite, suites_dir, to_gx_suite
from lineage_pipeline.settings import Settings
from lineage_pipeline.stages import customer_index, kept_records, standardise_source
from lineage_pipeline.warehouse import WarehouseState, read_state
from tests.conftest import NOW, REPO


@pytest.fixture(scope="module")
def contracts(published: Settings) -> ContractSet:
    return load_contracts(published.contracts_dir)


@pytest.fixture(scope="module")
def stages(published: Settings, contracts: ContractSet) -> dict[str, dict]:
    """Each stage's results for every source, computed with the library alone."""
    state = read_state(published.warehouse_path)
    records = {c.name: ingest_source(c, NOW) for c in contracts.contracts}
    identities = {
        c.name: standardise_source(records[c.name], c, NOW.date(), state.salt, set())
        for c in contracts.contracts
    }
    frame, ids = customer_index(identities[contracts.first_party.name])
    links = {
        c.name: link_source(c, identities[c.name].identities, frame, ids)
        for c in contracts.third_party
    }
    return {"records": records, "identities": identities, "links": links, "state": state}


@pytest.fixture(scope="module")
def tables(published: Settings) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        return {t: con.table(t).df() for t in ("customer_fields", "customers")}


def _names(results) -> list[str]:
    return [r.expectation for r in results]


def test_every_suite_file_is_a_gx_suite_whose_checks_have_names_and_severities(contracts):
    files = sorted(p.stem for p in suites_dir().glob("*.json"))
    assert files == sorted(gates.SUITES)
    vendor = contracts.get("vendor")
    bound = [
        gates.records_suite(vendor),
        gates.identities_suite(vendor),
        gates.links_suite(vendor),
        gates.customer_fields_suite(contracts),
        gates.customers_suite(contracts),
    ]
    for suite in bound:
        gx_suite = to_gx_suite(suite)  # GX itself validates each configuration
        assert len(gx_suite.expectations) == len(suite.expectations)
        names = [e.check for e in suite.expectations]
        assert len(set(names)) == len(names)
        assert {e.severity for e in suite.expectations} <= {CRITICAL, WARNING}
        assert all(name.isidentifier() for name in names)
    raw = json.loads((suites_dir() / "raw_delivery.json").read_text())
    assert raw["expectations"][1]["kwargs"]["row_condition"] == {"$PARAMETER": "record_id_rows"}


def test_binding_fills_contract_parameters(contracts):
    vendor = contracts.get("vendor")
    suite = bind(load_suite("raw_delivery"), {**_raw_parameters(vendor)})
    present = next(e for e in suite.expectations if e.check == "mapped_columns_present")
    assert present.kwargs["value_set"] == list(vendor.mapped_columns())
    unique = next(e for e in suite.expectations if e.check == "record_id_unique_within_delivery")
    assert unique.kwargs["row_condition"] == "column == 'vid'"
    register = gates.links_suite(contracts.get("register"))
    key = next(e for e in register.expectations if e.check == "links_unambiguous")
    assert key.kwargs["column_list"] == ["source", "customer_id"]  # organisation


def _raw_parameters(contract):
    from lineage_pipeline.quality.views import delivery_parameters

    return delivery_parameters(contract)


def test_each_stage_gate_returns_one_passing_result_per_spec_in_suite_order(
    contracts, stages, tables, published
):
    """GX returns results in its own order; the gates return them in the suite's."""
    for contract in contracts.contracts:
        name = contract.name
        results = gates.check_records(stages["records"][name], contract, "r")
        assert _names(results) == [s.name for s in gates.records_specs(contract)]
        results += gates.check_identities(stages["identities"][name], contract, "i")
        if not contract.is_first_party:
            results += gates.check_links(stages["links"][name], contract, "l")
        assert [r.expectation for r in results if not r.success] == []
    fields, customers = tables["customer_fields"], tables["customers"]
    state = stages["state"]
    first_party = stages["identities"][contracts.first_party.name]
    kept = kept_records(first_party, contracts.first_party, state.salt, state.erased_keys())
    checked = gates.check_customer_fields(
        fields, contracts, state, kept.erased_by_identity, NOW, "f"
    )
    assert _names(checked) == [s.name for s in gates.customer_fields_specs(contracts)]
    checked += gates.check_customers(customers, fields, contracts, "c")
    assert [r.message() for r in checked if not r.success] == []


def test_failed_expectation_names_the_file_row_and_column(contracts, stages):
    vendor = contracts.get("vendor")
    clean: SourceRecords = stages["records"]["vendor"]
    tampered = clean.records.copy()
    tampered.loc[1, "title"] = "=1+1"  # as if ingest had let a formula through
    results = gates.check_records(replace(clean, records=tampered), vendor, "sources/vendor/r")
    [failed] = [r for r in results if not r.success]
    assert failed.expectation == "values_free_of_formulas"
    assert failed.severity == CRITICAL
    assert failed.observed == (
        "vendor_2026-10-01.csv: 1 of 40 values unexpected: "
        "'=1+1' (vendor_2026-10-01.csv row 3 column title)"
    )
    assert failed.expected.startswith("expect_column_values_to_not_match_regex(")
    assert failed.message().startswith("sources/vendor/r: values_free_of_formulas FAILED")


def test_delivery_with_swapped_columns_fails_given_emails_readable_naming_it(
    published, contracts, stages
):
    """Each delivery is validated on its own: a broken one is not hidden by good ones."""
    vendor = contracts.get("vendor")
    folder = published.contracts_dir.parent / "deliveries" / "vendor"
    good = stages["records"]["vendor"]
    swapped = good.records.rename(columns={"email": "phone", "phone": "email"})
    swapped["_delivery"] = str(folder / "vendor_2026-11-01.csv")
    both = pd.concat([good.records, swapped], ignore_index=True)
    records = replace(good, records=both)
    identities = standardise_source(records, vendor, NOW.date(), "salt", set())
    results = {r.expectation: r for r in gates.check_identities(identities, vendor, "i")}
    failed = results["given_emails_mostly_readable"]
    assert not failed.success
    # The five phone numbers given as emails: none reads as an email.
    assert failed.observed.startswith(
        "vendor_2026-11-01.csv: 5 of 5 values unexpected: vendor_2026-11-01.csv row 2, "
    )
    assert "vendor_2026-10-01.csv" not in failed.observed
    assert not results["given_phones_mostly_readable"].success
    assert results["emails_well_formed"].success  # unreadable values are missing, not wrong


def _fields(tables) -> pd.DataFrame:
    return tables["customer_fields"].copy()


def test_value_in_force_past_its_expiry_is_flagged(tables):
    fields = _fields(tables)
    assert invariants.nothing_expired(fields, NOW, "f").success
    later = NOW.replace(year=2027, month=11)  # the vendor's 365-day values have expired
    result = invariants.nothing_expired(fields, later, "f")
    assert not result.success
    assert "C1.job_title from vendor record V1 expired 2027-10-01" in result.observed


def test_purposes_outside_the_taxonomy_or_the_contract_are_flagged(tables, contracts):
    fields = _fields(tables)
    title = fields.index[(fields["field"] == "job_title")][0]
    fields.at[title, "purposes"] = ["marketing", "profiling"]
    unknown = invariants.purposes_in_taxonomy(fields, contracts, "f")
    assert not unknown.success
    assert unknown.observed.startswith("1 of 20 unexpected: C1.job_title from vendor")
    fields.at[title, "purposes"] = ["service"]  # in the taxonomy, not granted by the contract
    assert invariants.purposes_in_taxonomy(fields, contracts, "f").success
    assert not invariants.purposes_granted(fields, contracts, "f").success


@pytest.mark.parametrize("probability", [0.5, 1.2, float("nan")])
def test_third_party_value_below_threshold_or_outside_zero_one_is_flagged(
    tables, contracts, probability
):
    fields = _fields(tables)
    assert invariants.thresholds_met(fields, contracts, "f").success
    fields.loc[fields["source"] == "vendor", "match_probability"] = probability
    result = invariants.thresholds_met(fields, contracts, "f")
    assert not result.success
    assert result.observed.startswith("6 of 9 unexpected")


def test_third_party_value_for_an_erased_subject_is_flagged(tables, stages):
    fields = _fields(tables)
    state: WarehouseState = stages["state"]
    by_id = {customer_key(state.salt, "C2")}
    result = invariants.nothing_for_erased(fields, state.salt, by_id, "f")
    assert not result.success
    assert "C2.job_title from vendor record V2" in result.observed
    assert invariants.nothing_for_erased(fields, state.salt, set(), "f").success
    # An erasure keyed by email (not customer id) is found through the customer's identity.
    by_email = {hash_key(state.salt, "email:alice.jones@acmewidgets.co.uk")}
    customers = stages["identities"]["crm"].identities
    by_identity = erased_by_identity(customers, state.salt, by_email)
    assert by_identity == {"C1"}
    result = invariants.nothing_for_erased(fields, state.salt, by_email, "f", by_identity)
    assert not result.success
    assert "C1.job_title" in result.observed


def test_customers_disagreeing_with_current_values_is_flagged(tables):
    fields, customers = _fields(tables), tables["customers"].copy()
    assert invariants.customers_agree(customers, fields, "c").success
    customers.loc[customers["customer_id"] == "C2", "job_title"] = "Intern"
    result = invariants.customers_agree(customers, fields, "c")
    assert not result.success
    assert "C2.job_title: customers has 'Intern', current value 'Director'" in result.observed


def test_rejected_delivery_is_a_warning_and_unbalanced_delivery_is_critical(contracts, stages):
    vendor: SourceRecords = stages["records"]["vendor"]
    rejected = replace(vendor.deliveries[0], path="/x/v2.csv", error="vendor: /x/v2.csv: empty")
    records = replace(vendor, deliveries=[*vendor.deliveries, rejected])
    warning = invariants.deliveries_accepted(records, "r")
    assert (warning.success, warning.severity) == (False, WARNING)
    assert "vendor: /x/v2.csv: empty" in warning.observed
    assert invariants.rows_accounted_for(records, "r").success
    short = replace(vendor, records=vendor.records.iloc[1:])
    assert not invariants.rows_accounted_for(short, "r").success
    deliveries = pd.DataFrame(
        [
            {
                "source": "v",
                "path": "/x/a.csv",
                "rows": 5,
                "rows_linked": 4,
                "rows_unlinked": -1,
                "rows_quarantined": 2,
            }
        ]
    )
    result = invariants.deliveries_balance(deliveries, "warehouse")
    assert (result.success, result.severity) == (False, CRITICAL)
    assert "a.csv: 5 rows, 4 linked + -1 unlinked + 2 quarantined" in result.observed


def test_great_expectations_stays_off_the_start_up_import_path():
    """The CLI's fast commands and `dagster dev` load these modules; GX takes seconds."""
    code = (
        "import sys, lineage_pipeline.cli, assets.definitions, assets.checks; "
        "print(sorted(m for m in sys.modules if m.startswith('great_expectations')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
