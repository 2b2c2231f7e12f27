"""Linking at scale: bounded blocking, comparisons over codes, JSON evidence in bulk.

Hand-made records with the expected pairs worked out in comments.
"""

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.link import compare_bucket, link_plan, link_source, train_model
from lineage_pipeline.link.blocking import BROAD_MAX_BLOCK
from lineage_pipeline.link.comparisons import COMPARISONS, MISSING
from lineage_pipeline.link.encoding import Vocabulary
from lineage_pipeline.link.score import comparisons_json
from tests.conftest import write_project

NAMES = "given_name + surname_key"


@pytest.fixture(scope="module")
def vendor(tmp_path_factory):
    return load_contracts(write_project(tmp_path_factory.mktemp("scale"))).get("vendor")


def _people(prefix, given, surname, email=None, phone=None):
    n = len(given)
    return pd.DataFrame(
        {
            "_record_id": [f"{prefix}{i}" for i in range(n)],
            "_delivery": "d1",
            "given_name": given,
            "surname": surname,
            "surname_key": [s.upper()[:3] for s in surname],
            "email": email if email is not None else [None] * n,
            "phone": phone if phone is not None else [None] * n,
        }
    )


def test_broad_passes_skip_records_with_a_strong_candidate(vendor):
    # Four customers named Alice Jones; C0 has V0's email and phone. V0 agrees with C0 on
    # four fields (a strong candidate), so the name passes leave it alone; V1 has no email
    # or phone: only the name passes find it, paired with all four namesakes.
    customers = _people(
        "C",
        ["alice"] * 4,
        ["jones"] * 4,
        [f"alice{i}@example.org" for i in range(4)],
        [f"+44770090000{i}" for i in range(4)],
    )
    source = _people(
        "V", ["alice"] * 2, ["jones"] * 2, ["alice0@example.org", None], ["+447700900000", None]
    )
    result = link_source(vendor, source, customers, customers["_record_id"])
    assert result.candidates_per_pass["email"] == 1
    assert result.candidates_per_pass[NAMES] == 4
    assert result.candidate_pairs == 1 + 4
    assert result.links["customer_id"].tolist() == ["C0"]


@pytest.mark.parametrize(("namesakes", "paired"), [(BROAD_MAX_BLOCK, BROAD_MAX_BLOCK), (6, 0)])
def test_a_name_too_common_to_pick_a_person_out_is_not_paired(vendor, namesakes, paired):
    customers = _people("C", ["john"] * namesakes, ["smith"] * namesakes)
    source = _people("V", ["john"], ["smith"])
    result = link_source(vendor, source, customers, customers["_record_id"])
    assert result.candidates_per_pass[NAMES] == paired


def _population(customers: int, rng: np.random.Generator):
    """Customers drawn from 30 x 30 names; 200 source records: 100 customers (same email)
    and 100 strangers (names and unknown emails)."""
    given = rng.choice([f"g{i:02d}" for i in range(30)], customers)
    surname = rng.choice([f"s{i:02d}" for i in range(30)], customers)
    people = _people("C", given, surname, [f"c{i}@example.org" for i in range(customers)])
    known = people.iloc[:100].assign(_record_id=[f"V{i}" for i in range(100)])
    strangers = _people(
        "X", rng.choice(given, 100), rng.choice(surname, 100), [f"x{i}@x.org" for i in range(100)]
    )
    return people, pd.concat([known, strangers], ignore_index=True)


def test_pairs_per_record_stay_bounded_as_customers_grow(vendor):
    # 1,200 customers over 900 name pairs: blocks of about 1.3, so the name passes pair each
    # stranger with its namesakes (the customers are settled by their email). 12,000: blocks
    # of about 13, under the pass cap of 20 per record but above the broad cap, so a stranger
    # known by name only is left unpaired rather than paired with every namesake (about 7
    # pairs per record here, and ten times more at ten times the customers).
    rng = np.random.default_rng(7)
    per_record = {}
    for size in (1_200, 12_000):
        customers, source = _population(size, rng)
        result = link_source(vendor, source, customers, customers["_record_id"])
        per_record[size] = result.candidate_pairs / len(source)
        assert len(result.links) == 100
    assert result.candidates_per_pass[NAMES] == 0
    assert per_record[12_000] <= per_record[1_200] < 2


def test_training_on_patterns_alone_gives_the_same_model(vendor):
    rng = np.random.default_rng(3)
    customers, source = _population(2_000, rng)
    ids = customers["_record_id"]
    plan = link_plan(vendor, source, customers)
    compared = [compare_bucket(plan, source, customers, ids, b, 3) for b in range(3)]
    assert train_model(plan, [c.patterns for c in compared]) == train_model(plan, compared)


@pytest.mark.parametrize("field", ["phone", "postcode", "date_of_birth", "given_name"])
def test_arrow_and_python_vocabularies_score_alike(field):
    values = np.array(
        ["+447700900001", "+337700900001", "SW1A1AA", "SW1A2BB", "é1234567890", "ab", "abc",
         "1980-01-02", "1980-02-01", "1980-01-03", "bob", "robert", "r", "rob smith"],
        dtype=object,
    )  # fmt: skip
    a, b = np.meshgrid(np.arange(len(values)), np.arange(len(values)))
    a, b = a.ravel().astype(np.int32), b.ravel().astype(np.int32)
    similarity = COMPARISONS[field].similarity
    python = similarity((Vocabulary(values),), (a,), (b,))
    arrow = similarity((Vocabulary(pa.array(values.tolist())),), (a,), (b,))
    np.testing.assert_array_equal(python, arrow)


def test_comparisons_json_is_what_duckdb_writes_row_by_row():
    # Distinct field objects are rendered once and joined; the text must be exactly what one
    # DuckDB json_object per row gives, -0.0 and missing values included.
    fields = ("given_name", "email")
    similarities = np.array([[1.0, 0.93333], [0.5, np.nan], [1.0, 0.93333], [0.0, 0.1]])
    levels = np.array([[3, 1], [0, MISSING], [3, 1], [0, 0]], dtype=np.int8)
    weights = np.array([[7.5, 11.2], [-0.0004, 0.0], [7.5, 11.2], [-5.0, -0.8]])
    frame = pd.DataFrame(
        {
            "s0": pd.array(np.round(similarities[:, 0], 4), dtype="Float64"),
            "l0": ["exact", "different", "exact", "different"],
            "w0": np.round(weights[:, 0], 3),
            "s1": pd.array([0.9333, np.nan, 0.9333, 0.1], dtype="Float64"),
            "l1": ["typo", "missing", "typo", "different"],
            "w1": np.round(weights[:, 1], 3),
        }
    )
    con = duckdb.connect()
    con.register("frame", frame)
    expected = (
        con.execute(
            "SELECT json_object("
            "'given_name', json_object('similarity', s0, 'level', l0, 'weight', w0), "
            "'email', json_object('similarity', s1, 'level', l1, 'weight', w1))::VARCHAR "
            "FROM frame"
        )
        .df()
        .iloc[:, 0]
        .tolist()
    )
    assert comparisons_json(similarities, levels, weights, fields).tolist() == expected
    assert '"weight":-0.0' in expected[1]
