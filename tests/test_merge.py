"""Merge in bulk gives what the plain pandas rule gives: same rows, order, history and winners.

`reference_fields` below is the rule written the direct way (merge, sort, drop duplicates over
whole frames), as the merge stage first did it. Seeded random sources with several deliveries,
shared and tied links, blank values, corrections and expiring values go through both.
"""

import random
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from lineage_pipeline import merge, survivorship
from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.ingest import DELIVERY, RECORD_ID
from tests.conftest import write_project

NOW = datetime(2026, 11, 25, 12, 0, 0)
GRACE = timedelta(days=30)
KIND_RANK = {"subject_request": 0, "first_party": 1, "purchased": 2, "public": 2}


def reference_observations(values: merge.SourceValues) -> pd.DataFrame:
    contract, records = values.contract, values.records
    if values.links is None:
        linked = records.assign(customer_id=records[RECORD_ID], match_probability=float("nan"))
    else:
        linked = records.merge(values.links, on=[DELIVERY, RECORD_ID], how="inner")
    frames = []
    for name, spec in contract.fields.items():
        value = linked[spec.column].fillna("").astype(str).str.strip()
        part = pd.DataFrame(
            {
                "customer_id": linked["customer_id"],
                "field": name,
                "value": value,
                "source": contract.name,
                "source_kind": contract.kind,
                "source_record_id": linked[RECORD_ID],
                "delivery": linked[DELIVERY],
                "match_probability": linked["match_probability"].astype(float),
                "legal_basis": contract.legal_basis,
                "purposes": [list(spec.purposes)] * len(linked),
                "acquired_at": linked[DELIVERY].map(values.acquired_at),
                "run_id": linked[DELIVERY].map(values.run_ids),
                "priority": contract.priority,
                "retention_days": spec.retention_days,
            }
        )
        frames.append(part[part["value"] != ""])
    out = pd.concat(frames, ignore_index=True)
    out["expires_at"] = out["acquired_at"] + pd.to_timedelta(out.pop("retention_days"), unit="D")
    return out


def reference_survivors(rows: pd.DataFrame) -> np.ndarray:
    ranked = rows.assign(
        kind_rank=rows["source_kind"].map(KIND_RANK),
        priority_rank=rows["priority"].astype(float).fillna(float("inf")),
        probability_rank=-rows["match_probability"].fillna(1.0),
        recency_rank=-rows["acquired_at"].astype("int64"),
    )[rows["valid_to"].isna()]
    ranked = ranked.sort_values(
        ["customer_id", "field", "kind_rank", "priority_rank", "probability_rank"]
        + ["recency_rank", "source", "source_record_id"]
    )
    return rows.index.isin(ranked.drop_duplicates(["customer_id", "field"]).index)


def reference_fields(sources, corrections, contracts) -> pd.DataFrame:
    frames = [reference_observations(values) for values in sources]
    frames.append(merge.correction_observations(corrections, contracts))
    rows = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    rows = rows[rows["expires_at"] >= NOW - GRACE].copy()
    key = ["customer_id", "field", "source"]
    versions = rows[[*key, "acquired_at"]].drop_duplicates().sort_values([*key, "acquired_at"])
    versions["valid_to"] = versions.groupby(key)["acquired_at"].shift(-1)
    rows = rows.merge(versions, on=[*key, "acquired_at"], how="left")
    rows["valid_from"] = rows["acquired_at"]
    expired = rows["expires_at"] <= NOW
    rows.loc[expired, "valid_to"] = rows.loc[expired, ["valid_to", "expires_at"]].min(axis=1)
    rows["is_current"] = reference_survivors(rows)
    rows = rows.sort_values(["customer_id", "field", "source", "valid_from", "source_record_id"])
    return rows[merge.FIELD_COLUMNS].reset_index(drop=True)


def reference_customers(fields, customer_ids, field_names) -> pd.DataFrame:
    wide = fields[fields["is_current"]].pivot(index="customer_id", columns="field", values="value")
    ids = pd.Index(sorted(set(customer_ids)), name="customer_id")
    wide = wide.reindex(index=ids, columns=field_names)
    wide.columns.name = None
    return wide.reset_index().astype(object).where(lambda f: f.notna(), None)


def as_objects(fields: pd.DataFrame) -> pd.DataFrame:
    """`fields` with its Categorical columns as the plain text columns they stand for."""
    for name in merge.CATEGORICAL_COLUMNS:
        assert isinstance(fields[name].dtype, pd.CategoricalDtype), name
    return fields.astype({name: object for name in merge.CATEGORICAL_COLUMNS})


def random_inputs(rng: random.Random, contracts):
    """Sources with up to three deliveries each (two may share a date), links with tied
    probabilities and shared customers, blank values, expiring values and corrections."""
    customers = [f"C{n}" for n in rng.sample(range(40), 25)]
    words = ["Leeds", " York ", "", None, "a@x.com", "Analyst", "11-50", "62020", "b c"]
    # Some values expire within the grace period (crm keeps 10 years, vendor 1, register 3).
    dates = [datetime(2016, 11, 20), datetime(2023, 11, 10), datetime(2025, 11, 10)]
    dates += [datetime(2023, 1, 1), datetime(2026, 9, 1), datetime(2026, 10, 1)]
    sources = []
    for contract in contracts.contracts:
        frames, acquired = [], {}
        for number in range(rng.randint(1, 3)):
            path = f"/d/{contract.name}_{number}.csv"
            acquired[path] = rng.choice(dates)
            ids = [f"R{rng.randint(0, 30)}" for _ in range(rng.randint(0, 30))]
            if contract.is_first_party:
                ids = rng.sample(customers, rng.randint(1, len(customers)))
            frame = pd.DataFrame(
                {spec.column: [rng.choice(words) for _ in ids] for spec in contract.fields.values()}
            )
            frame[RECORD_ID], frame[DELIVERY] = ids, path
            frames.append(frame.drop_duplicates(RECORD_ID))
        records = pd.concat(frames, ignore_index=True)
        links = None
        if not contract.is_first_party:
            pairs = records[[DELIVERY, RECORD_ID]].sample(frac=0.8, random_state=rng.randint(0, 99))
            links = pd.concat([pairs, pairs.sample(frac=0.3, random_state=1)], ignore_index=True)
            links["customer_id"] = [rng.choice(customers[:8]) for _ in range(len(links))]
            links["match_probability"] = [rng.choice([0.95, 0.99, 1.0]) for _ in range(len(links))]
        runs = {path: f"run-{rng.randint(1, 2)}" for path in acquired}
        sources.append(merge.SourceValues(contract, records, acquired, runs, links))
    corrections = pd.DataFrame(
        {
            "request_id": [f"Q{n}" for n in range(4)],
            "customer_id": [rng.choice(customers) for _ in range(4)],
            "field": [rng.choice(["email", "city", "job_title", "unknown"]) for _ in range(4)],
            "value": ["fixed"] * 4,
            "requested_at": [rng.choice(dates) for _ in range(4)],
        }
    )
    return sources, corrections.iloc[: rng.randint(0, 4)], customers


@pytest.mark.parametrize("seed", range(25))
def test_bulk_merge_matches_the_plain_rule(tmp_path, seed):
    contracts = load_contracts(write_project(tmp_path))
    sources, corrections, customers = random_inputs(random.Random(seed), contracts)
    expected = reference_fields(sources, corrections, contracts)
    fields = merge.customer_fields(sources, corrections, contracts, NOW, GRACE)
    pd.testing.assert_frame_equal(as_objects(fields), expected)
    names = contracts.field_names()
    pd.testing.assert_frame_equal(
        merge.customers_table(fields, pd.Series(customers), names),
        reference_customers(expected, pd.Series(customers), names),
    )
    # Privacy operations re-apply the rule to rows read back from the warehouse: plain text.
    rows = as_objects(fields).assign(priority=fields["source"].map({"vendor": 20, "register": 10}))
    assert (merge.survivors(rows) == reference_survivors(rows)).all()


def test_survivor_prefers_correction_then_first_party_then_priority_then_probability():
    """Four in-force values for one customer and field; each rule removes one rival."""
    base = {"customer_id": "C1", "field": "city", "valid_to": pd.NaT, "source_record_id": "R"}
    rows = pd.DataFrame(
        [
            {**base, "source": "vendor", "source_kind": "purchased", "priority": 20},
            {**base, "source": "register", "source_kind": "public", "priority": 10},
            {**base, "source": "crm", "source_kind": "first_party", "priority": None},
            {**base, "source": "subject_request", "source_kind": "subject_request"},
        ]
    ).assign(match_probability=[0.99, 0.95, np.nan, np.nan], acquired_at=pd.Timestamp(NOW))
    assert merge.survivors(rows).tolist() == [False, False, False, True]
    assert merge.survivors(rows.iloc[:3]).tolist() == [False, False, True]
    assert merge.survivors(rows.iloc[:2]).tolist() == [False, True]  # priority 10 beats 20
    tied = rows.iloc[:2].assign(priority=10, source="vendor")
    assert merge.survivors(tied).tolist() == [True, False]  # probability 0.99 beats 0.95


def test_no_values_give_an_empty_table(tmp_path):
    contracts = load_contracts(write_project(tmp_path))
    crm = contracts.first_party
    nothing = pd.DataFrame(columns=["cust_no", "mail", "town", RECORD_ID, DELIVERY])
    sources = [merge.SourceValues(crm, nothing, {}, {}, None)]
    for given in ([], sources):
        fields = merge.customer_fields(given, pd.DataFrame(), contracts, NOW, GRACE)
        assert fields.empty
        assert list(fields.columns) == merge.FIELD_COLUMNS


def test_rows_sorted_with_their_text_in_place_as_with_a_copy_of_it():
    """sort_rows breaks ties by text; a subset of rows may point into the whole text column
    (no copy) and sorts exactly as with the copy."""
    rng = np.random.default_rng(5)
    text = np.array([None, np.nan, "b", "a", "c", "a"] * 50, dtype=object)
    rows = np.sort(rng.choice(len(text), 120, replace=False)).astype(np.int32)
    keys = [rng.integers(0, 3, len(rows)), rng.integers(0, 2, len(rows)).astype(np.int16)]
    in_place = survivorship.sort_rows(keys, text, rows)
    copied = survivorship.sort_rows(keys, text[rows])
    assert in_place.tolist() == copied.tolist()
    tied = [(keys[0][i], keys[1][i]) for i in in_place]
    assert tied == sorted(tied)  # the keys first; the text decides within them


def test_history_is_worked_out_only_where_a_part_has_several_acquisition_times():
    """A part (source, field) whose rows were all acquired at one time cannot hold a newer
    version of a value; the rows of every other part are versioned, whatever their order."""
    day = np.datetime64("2026-11-01", "ns")
    part = np.array([0, 1, 0, 2, 1, 2, 3], dtype=np.int8)
    acquired = np.array([day, day, day, day, day + 1, day, day], dtype="datetime64[ns]")
    assert merge._versioned(part, acquired).tolist() == [1, 4]
    assert merge._versioned(part[:0], acquired[:0]).tolist() == []


def test_customers_table_shows_a_missing_current_value_as_none():
    fields = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2"],
            "field": ["city", "email", "city"],
            "value": ["Leeds", np.nan, "York"],
            "is_current": [True, True, True],
        }
    )
    table = merge.customers_table(fields, pd.Series(["C2", "C1", "C3"]), ["city", "email"])
    assert table.to_dict("records") == [
        {"customer_id": "C1", "city": "Leeds", "email": None},
        {"customer_id": "C2", "city": "York", "email": None},
        {"customer_id": "C3", "city": None, "email": None},
    ]
