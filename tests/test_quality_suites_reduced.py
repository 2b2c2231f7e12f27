"""Every suite in expectations/, bound for the tiny deployment, gives the same results reduced
and whole, on its real views with planted failures: blank, repeated and formula record ids and
values, too-long values, malformed identities, bad links, broken customer_fields rows (as object
strings and as categoricals) and repeated customers. GX runs for real both ways."""

from dataclasses import replace
from functools import partial

import numpy as np
import pandas as pd
import pytest

from lineage_pipeline.contracts import ContractSet, load_contracts
from lineage_pipeline.ingest import ingest_source
from lineage_pipeline.link import link_source
from lineage_pipeline.quality import gates, views
from lineage_pipeline.quality.batches import SCHEMA_EXPECTATIONS
from lineage_pipeline.quality.keys import KeyCache
from lineage_pipeline.quality.reduction import validate_reduced
from lineage_pipeline.quality.regex_start import start_characters
from lineage_pipeline.quality.suites import Suite
from lineage_pipeline.quality.validation import _run, validate, validate_per_delivery
from lineage_pipeline.settings import Settings
from lineage_pipeline.stages import customer_index, standardise_source
from tests.conftest import NOW


@pytest.fixture(scope="module")
def contracts(published: Settings) -> ContractSet:
    return load_contracts(published.contracts_dir)


@pytest.fixture(scope="module")
def stages(contracts: ContractSet) -> dict:
    records = {c.name: ingest_source(c, NOW) for c in contracts.contracts}
    identities = {
        c.name: standardise_source(records[c.name], c, NOW.date(), "salt", set())
        for c in contracts.contracts
    }
    frame, ids = customer_index(identities[contracts.first_party.name])
    links = {
        c.name: link_source(c, identities[c.name].identities, frame, ids)
        for c in contracts.third_party
    }
    return {"records": records, "identities": identities, "links": links}


@pytest.fixture(scope="module")
def tables(published: Settings) -> dict[str, pd.DataFrame]:
    import duckdb

    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        return {t: con.table(t).df() for t in ("customer_fields", "customers")}


def _same_reduced_and_whole(suite: Suite, frame: pd.DataFrame) -> list:
    whole = validate(suite, frame, "a", reduce=False)
    reduced = validate(suite, frame, "a", reduce=True)
    assert reduced == whole
    # Nothing but schema checks is left to the whole frame: the suite is really reduced.
    expectations = list(suite.expectations)
    _, left = validate_reduced(KeyCache(frame, expectations), expectations, partial(_run, suite))
    assert all(e.type in SCHEMA_EXPECTATIONS for e in left), [e.check for e in left]
    return reduced


def _failing(results: list) -> set[str]:
    return {r.expectation for r in results if not r.success}


def test_raw_delivery_suite_reduced_equals_whole_with_planted_failures(contracts, stages):
    vendor = contracts.get("vendor")
    rows = stages["records"]["vendor"].records.copy()
    rows.loc[0, "vid"] = " "  # blank record id
    rows.loc[1, "vid"] = rows.loc[2, "vid"]  # repeated record id
    rows.loc[3, "title"] = "=HYPERLINK(1)"
    rows.loc[4, "company"] = "x" * 1200  # longer than ingest keeps
    rows.loc[2, "size"] = "+1 (555)"  # a phone-like value: no formula
    rows.loc[0, "title"] = "-x"
    suite = gates.records_suite(vendor)
    results = _same_reduced_and_whole(suite, views.delivery_view(rows, vendor))
    assert _failing(results) == {
        "record_id_present",
        "record_id_unique_within_delivery",
        "values_within_length_limit",
        "values_free_of_formulas",
    }
    formulas = next(r for r in results if r.expectation == "values_free_of_formulas")
    assert formulas.observed.startswith("2 of 40 values unexpected: '-x' (vendor_2026-10-01.csv")
    # As the records gate runs it: per delivery, on the view coded as it is built.
    frame, known = views.coded_delivery_view(rows, vendor)
    assert KeyCache(frame, list(suite.expectations), known).factorized("value") is known["value"]
    assert validate(suite, frame, "a", reduce=True, known=known) == results
    whole = partial(views.delivery_view, contract=vendor)
    coded = partial(views.coded_delivery_view, contract=vendor)
    assert validate_per_delivery(suite, rows, "a", coded) == validate_per_delivery(
        suite, rows, "a", whole, reduce=False
    )


def test_identities_suite_reduced_equals_whole_with_planted_failures(contracts, stages):
    vendor = contracts.get("vendor")
    standardised = stages["identities"]["vendor"]
    identities = standardised.identities.copy()
    identities.loc[0, "email"] = "not an email"
    identities.loc[1, "phone"] = "07700"
    identities.loc[2, "date_of_birth"] = "1/2/1980"
    identities.loc[3, "_record_id"] = identities.loc[4, "_record_id"]
    identities.loc[2, "_record_id"] = None
    identities.loc[:, "email"] = [None, None, None, "a@b.co", None]
    view = views.identities_view(replace(standardised, identities=identities), vendor)
    results = _same_reduced_and_whole(gates.identities_suite(vendor), view)
    assert {"record_id_present", "one_identity_per_record", "phones_in_e164"} <= _failing(results)
    assert "given_emails_mostly_readable" in _failing(results)


def test_links_suite_reduced_equals_whole_with_planted_failures(contracts, stages):
    for name in ("vendor", "register"):
        contract = contracts.get(name)
        links = stages["links"][name].links.copy()
        links.loc[0, "match_probability"] = np.nan
        if len(links) > 2:
            links.loc[1, "match_probability"] = 1.5
            links.loc[2, "customer_id"] = links.loc[0, "customer_id"]
            links.loc[2, "_record_id"] = links.loc[0, "_record_id"]
        view = views.links_view(replace(stages["links"][name], links=links))
        results = _same_reduced_and_whole(gates.links_suite(contract), view)
        assert "every_link_has_a_probability" in _failing(results)


def _broken_fields(fields: pd.DataFrame) -> pd.DataFrame:
    """customer_fields with a failure of each of its expectations, some twice."""
    broken = fields.copy()
    broken.loc[0, "customer_id"] = None
    broken.loc[1, ["source", "source_kind", "legal_basis"]] = ["elsewhere", "stolen", None]
    broken.loc[2, "source_record_id"] = None
    broken.loc[3, "delivery"] = np.nan
    broken.loc[4, "field"] = "shoe_size"
    broken.loc[[5, 6], "match_probability"] = [1.5, -0.0]
    broken.loc[7, "acquired_at"] = pd.NaT
    broken.loc[10, "legal_basis"] = "whim"
    broken.loc[8, "expires_at"] = broken.loc[8, "acquired_at"]
    broken.loc[9, ["valid_from", "valid_to"]] = [broken.loc[9, "acquired_at"]] * 2
    current = broken.index[broken["is_current"]][:2]
    broken.loc[current[1], ["customer_id", "field"]] = broken.loc[
        current[0], ["customer_id", "field"]
    ]
    broken.loc[current[0], "valid_to"] = broken.loc[current[0], "acquired_at"]
    return broken


@pytest.mark.parametrize("categorical", [False, True])
def test_customer_fields_suite_reduced_equals_whole_with_planted_failures(
    contracts, tables, categorical
):
    fields = _broken_fields(tables["customer_fields"])
    if categorical:  # repeated text as categoricals, as merge may hand them over
        for column in ("customer_id", "field", "source", "source_kind", "delivery", "run_id"):
            fields[column] = fields[column].astype("category")
    results = _same_reduced_and_whole(gates.customer_fields_suite(contracts), fields)
    assert _failing(results) >= {
        "every_value_has_a_customer",
        "every_source_has_a_contract",
        "every_value_has_a_source_record",
        "every_value_has_a_delivery",
        "source_kind_known",
        "legal_basis_known",
        "every_value_has_a_legal_basis",
        "field_known",
        "match_probability_in_unit_interval",
        "every_value_has_an_acquired_date",
        "expires_after_acquired",
        "current_values_in_force",
        "one_current_value_per_customer_field",
    }


def test_customers_suite_reduced_equals_whole_with_planted_failures(contracts, tables):
    customers = tables["customers"].copy()
    customers.loc[1, "customer_id"] = customers.loc[0, "customer_id"]
    customers.loc[2, "customer_id"] = None
    results = _same_reduced_and_whole(gates.customers_suite(contracts), customers)
    assert _failing(results) == {"customer_id_present", "customer_id_unique"}
    empty = _same_reduced_and_whole(gates.customers_suite(contracts), customers.iloc[:0])
    assert _failing(empty) == set()


@pytest.mark.parametrize(
    ("pattern", "starts"),
    [
        (r"^[=@\t\r]|^[+-](?![\d\s().-]*$)", set("=@\t\r+-")),
        (r"^\+[1-9]\d{6,14}$", {"+"}),
        (r"^(?:ab|c)", {"a", "c"}),
        (r"^[^@\s]+@", None),  # a negated class: any character may start it
        (r"^\d{4}", None),
        (r"(?m)^a", None),  # ^ after any newline
        (r"(?i)^a", None),  # A too
        (r"^a|b", None),  # b anywhere
        (r"^a*b", None),
        (r"abc", None),
    ],
)
def test_regex_start_characters_are_those_a_match_must_start_with(pattern, starts):
    found = start_characters(pattern)
    assert (None if found is None else set(found)) == starts
    if found is not None:  # brute force: nothing starting otherwise matches
        import re

        rng = np.random.default_rng(0)
        alphabet = list("=@+-\t\r\n abc1(). ")
        texts = ["".join(rng.choice(alphabet, size=n)) for n in rng.integers(0, 8, 3000)]
        assert all(t[:1] in found for t in texts if re.search(pattern, t))
