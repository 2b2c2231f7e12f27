"""Bucketed linking: any number of buckets gives exactly what one `link_source` call gives.

Each step's output goes through pickle, as it would between processes (a Dagster IO manager).
"""

import pickle

import numpy as np
import pandas as pd
import pytest

from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.ingest import ingest_source
from lineage_pipeline.link import (
    bucket_of,
    combine,
    compare_bucket,
    link_plan,
    link_source,
    score_bucket,
    train_model,
)
from lineage_pipeline.stages import customer_index, standardise_source
from tests.conftest import NOW, write_project


def _travel(value):
    return pickle.loads(pickle.dumps(value))


def link_in_buckets(contract, source, customers, ids, buckets):
    plan = _travel(link_plan(contract, source, customers))
    compared = [
        _travel(compare_bucket(plan, source, customers, ids, bucket, buckets))
        for bucket in range(buckets)
    ]
    model = _travel(train_model(plan, compared))
    scored = [_travel(score_bucket(plan, model, c)) for c in compared]
    return combine(scored, plan)


def assert_same_result(bucketed, whole):
    pd.testing.assert_frame_equal(bucketed.evidence, whole.evidence, check_exact=True)
    pd.testing.assert_frame_equal(bucketed.links, whole.links, check_exact=True)
    np.testing.assert_array_equal(bucketed.probabilities, whole.probabilities)
    assert bucketed.candidates_per_pass == whole.candidates_per_pass
    assert bucketed.candidate_pairs == whole.candidate_pairs
    assert bucketed.model == whole.model


def _identities(contracts_dir):
    contracts = load_contracts(contracts_dir)
    standardised = {
        c.name: standardise_source(ingest_source(c, NOW), c, NOW.date(), "salt", set())
        for c in contracts.contracts
    }
    customers, ids = customer_index(standardised[contracts.first_party.name])
    return contracts, standardised, customers, ids


@pytest.fixture(scope="module")
def samples(samples_copy):
    return _identities(samples_copy / "contracts")


@pytest.mark.parametrize("source", ["acme_b2b", "lifestyle_panel", "company_register"])
def test_four_buckets_equal_one_on_the_samples(samples, source):
    contracts, standardised, customers, ids = samples
    contract = contracts.get(source)
    identities = standardised[source].identities
    whole = link_source(contract, identities, customers, ids)
    assert len(whole.links) > 500  # the samples link most records: a real comparison
    assert_same_result(link_in_buckets(contract, identities, customers, ids, 4), whole)


@pytest.fixture
def tiny(tmp_path):
    return _identities(write_project(tmp_path))


@pytest.mark.parametrize("source", ["vendor", "register"])
@pytest.mark.parametrize("buckets", [2, 4, 7])
def test_buckets_equal_one_on_the_hand_made_deployment(tiny, source, buckets):
    # Seven buckets for five vendor records: some buckets are empty.
    contracts, standardised, customers, ids = tiny
    contract = contracts.get(source)
    identities = standardised[source].identities
    whole = link_source(contract, identities, customers, ids)
    assert_same_result(link_in_buckets(contract, identities, customers, ids, buckets), whole)


def test_the_pass_skip_decision_is_global(tiny):
    # 40 vendor records, 4 of them with a shared placeholder email also held by 100 customers:
    # 400 pairs for 40 records is 10 per record, under the cap of 20, so the email pass is
    # used. A bucket holding those 4 and a few others would, alone, be far above the cap.
    contracts, _, _, _ = tiny
    vendor = contracts.get("vendor")
    names = [f"name{i}" for i in range(40)]
    source = pd.DataFrame(
        {
            "_record_id": [f"V{i}" for i in range(40)],
            "_delivery": "d1",
            "given_name": names,
            "surname": "smith",
            "surname_key": "SM0",
            "email": ["info@shared.example" if i < 4 else f"p{i}@x.example" for i in range(40)],
        }
    )
    customers = pd.DataFrame(
        {
            "_record_id": [f"C{i}" for i in range(140)],
            "given_name": [f"name{i}" for i in range(140)],
            "surname": "smith",
            "surname_key": "SM0",
            "email": ["info@shared.example"] * 100 + [f"p{i}@x.example" for i in range(40)],
        }
    )
    ids = customers["_record_id"]
    whole = link_source(vendor, source, customers, ids)
    assert whole.candidates_per_pass["email"] == 4 * 100 + 36
    assert_same_result(link_in_buckets(vendor, source, customers, ids, 4), whole)


def test_bucket_of_is_stable_and_partitions():
    ids = pd.Series([f"R{i}" for i in range(1000)])
    buckets = bucket_of(ids, 4)
    assert set(buckets) == {0, 1, 2, 3}
    assert np.bincount(buckets).min() > 200  # roughly even
    # The same in every process and run: a fixed-key hash, not Python's salted hash().
    assert bucket_of(ids[:8], 4).tolist() == [0, 1, 2, 3, 1, 1, 1, 0]
