"""Invariants evaluated column-wise: the verdicts equal the row-by-row definitions on hand-made
customer_fields, with shared and equal purpose lists, missing lists and cells outside the
customers grid."""

import numpy as np
import pandas as pd

from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.quality import invariants

SHARED = ["marketing", "analytics"]  # one list object on many rows, as merge builds them


def _fields() -> pd.DataFrame:
    """Current values of two customers, vendor and crm, with purposes of every kind."""
    rows = [
        ("C1", "job_title", "Engineer", "vendor", SHARED),
        ("C2", "job_title", "Director", "vendor", SHARED),
        ("C3", "job_title", "Analyst", "vendor", ["marketing", "analytics"]),  # equal, not same
        ("C1", "company_size", "11-50", "vendor", ["analytics", "profiling"]),  # unknown
        ("C2", "company_size", "201-1000", "vendor", []),  # empty
        ("C3", "company_size", "51-200", "vendor", None),  # missing
        ("C1", "email", "a@x.org", "crm", ["analytics"]),  # not granted to crm's email
        ("C9", "job_title", "Clerk", "vendor", SHARED),  # no customers row
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "field", "value", "source", "purposes"])
    return frame.assign(source_record_id="R", is_current=True)


def _row_by_row(fields: pd.DataFrame, contracts) -> tuple[list[bool], list[bool]]:
    """The invariants' definitions, one row at a time."""
    known = set(contracts.taxonomy.purposes)
    granted = invariants._granted(contracts)
    unknown = [p is None or len(p) == 0 or not set(p) <= known for p in fields["purposes"]]
    beyond = [
        not set(p if p is not None else []) <= granted.get((s, f), set())
        for s, f, p in zip(fields["source"], fields["field"], fields["purposes"], strict=True)
    ]
    return unknown, beyond


def test_purposes_are_judged_once_per_distinct_list_with_row_by_row_verdicts(project):
    contracts = load_contracts(project.contracts_dir)
    fields = _fields()
    unknown, beyond = _row_by_row(fields, contracts)
    taxonomy = invariants.purposes_in_taxonomy(fields, contracts, "f")
    granted = invariants.purposes_granted(fields, contracts, "f")
    assert taxonomy.observed.startswith(f"{sum(unknown)} of 8 unexpected: ")
    assert granted.observed.startswith(f"{sum(beyond)} of 8 unexpected: ")
    assert (sum(unknown), sum(beyond)) == (3, 2)
    assert "C1.company_size from vendor record R: ['analytics', 'profiling']" in taxonomy.observed
    assert "C1.email from crm record R: ['analytics']" in granted.observed
    assert (taxonomy.success, granted.success) == (False, False)


def test_customers_agree_on_the_grid_and_beyond_it():
    fields = pd.DataFrame(
        [
            ("C1", "job_title", "Engineer"),
            ("C2", "job_title", "Director"),
            ("C2", "company_size", None),  # empty on both sides: agrees
            ("C3", "job_title", "Analyst"),  # C3 has no customers row: a cell beyond the grid
            ("C1", "industry", "25990"),  # industry is no customers column: beyond the grid
            ("C1", "company_size", "11-50"),
            ("C1", "company_size", "51-200"),  # held twice: cannot agree
        ],
        columns=["customer_id", "field", "value"],
    ).assign(is_current=True)
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "job_title": ["Engineer", "Intern"],
            "company_size": ["11-50", np.nan],
        }
    )
    result = invariants.customers_agree(customers, fields, "c")
    # 2 customers x 2 columns, plus C3.job_title and C1.industry beyond the grid
    assert result.observed.startswith("4 of 6 unexpected: ")
    assert result.observed.split(": ", 1)[1].split("; ") == [
        "C2.job_title: customers has 'Intern', current value 'Director'",
        "C1.company_size: customers has '11-50', current value '51-200'",
        "C3.job_title: customers has nan, current value 'Analyst'",
        "C1.industry: customers has nan, current value '25990'",
    ]
    agreeing = fields.iloc[[0, 2]].assign(value=["Engineer", None])
    same = customers.assign(job_title=["Engineer", None], company_size=[None, None])
    assert invariants.customers_agree(same.iloc[:1], agreeing.iloc[:1], "c").success


def test_customers_agree_reads_categorical_ids_and_equal_values_held_apart():
    """customer_fields holds its ids as a Categorical (one lookup per category), and a value
    equal to the shown one but another string object still agrees."""
    fields = pd.DataFrame(
        {
            "customer_id": pd.Categorical(["C2", "C1", "C9"], categories=["C9", "C1", "C2", "C0"]),
            "field": ["job_title", "job_title", "job_title"],
            "value": ["".join(["Dir", "ector"]), "Engineer", "Analyst"],
            "is_current": True,
        }
    )
    customers = pd.DataFrame({"customer_id": ["C1", "C2"], "job_title": ["Engineer", "Director"]})
    assert fields["value"].iat[0] is not customers["job_title"].iat[1]
    result = invariants.customers_agree(customers, fields, "c")
    assert (
        result.observed
        == "1 of 3 unexpected: C9.job_title: customers has nan, current value 'Analyst'"
    )
