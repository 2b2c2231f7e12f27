"""Linking: hand-made records with the expected links worked out in comments."""

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.ingest import ingest_source
from lineage_pipeline.link import link_source
from lineage_pipeline.link.blocking import MAX_BLOCK_SIZE, blocked_fields, candidate_pairs
from lineage_pipeline.link.comparisons import COMPARISONS, given_name
from lineage_pipeline.link.model import train
from lineage_pipeline.stages import customer_index, standardise_source
from tests.conftest import NOW, write_project


@pytest.fixture
def tiny(tmp_path):
    contracts = load_contracts(write_project(tmp_path))
    standardised = {
        c.name: standardise_source(ingest_source(c, NOW), c, date(2026, 11, 25), "salt", set())
        for c in contracts.contracts
    }
    customers, ids = customer_index(standardised["crm"])
    return contracts, standardised, customers, ids


def _links(result) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for rid, cid in zip(result.links["_record_id"], result.links["customer_id"], strict=True):
        found.setdefault(rid, []).append(cid)
    return found


def test_person_links(tiny):
    contracts, standardised, customers, ids = tiny
    result = link_source(contracts.get("vendor"), standardised["vendor"].identities, customers, ids)
    # V1: same email; V2: Bob ~ Robert, phone in another format; V3: a duplicate of V2 with a
    # surname typo and no email; V4: not a customer; V5: decoy (Taylor at Initech, but Karen,
    # not Carol, with another email and phone).
    assert _links(result) == {"V1": ["C1"], "V2": ["C2"], "V3": ["C2"]}
    assert (result.links["match_probability"] >= 0.9).all()
    decoy = result.evidence[result.evidence["source_record_id"] == "V5"]
    assert (decoy["decision"] != "accepted").all()


def test_evidence_explains_each_link(tiny):
    contracts, standardised, customers, ids = tiny
    result = link_source(contracts.get("vendor"), standardised["vendor"].identities, customers, ids)
    row = result.evidence[result.evidence["source_record_id"] == "V2"].iloc[0]
    comparisons = json.loads(row["comparisons"])
    assert comparisons["given_name"]["level"] == "exact"  # Bob is a nickname of Robert
    assert comparisons["phone"]["level"] == "exact"
    total = sum(c["weight"] for c in comparisons.values()) + result.model.prior_weight
    assert row["match_weight"] == pytest.approx(total, abs=0.01)
    assert row["match_probability"] == pytest.approx(1 / (1 + 2 ** -row["match_weight"]))


def test_organisation_links_enrich_every_employee(tiny):
    contracts, standardised, customers, ids = tiny
    register = contracts.get("register")
    result = link_source(register, standardised["register"].identities, customers, ids)
    # ACME WIDGETS LIMITED is the employer of C1 and C4; GLOBEX PLC of C2. The holding company
    # only resembles Acme's name and has its own domain: never linked.
    assert _links(result) == {"00000001": ["C1", "C4"], "00000002": ["C2"]}
    holdings = result.evidence[result.evidence["source_record_id"] == "00000003"]
    assert (holdings["decision"] != "accepted").all()


def test_a_large_employer_is_linked_to_every_employee(tiny):
    # A firm with more customers than MAX_BLOCK_SIZE (large employers, at a million
    # customers): its name still blocks, since the register lists it once.
    contracts, standardised, customers, ids = tiny
    c1 = int(np.flatnonzero(ids.to_numpy() == "C1")[0])
    copies = MAX_BLOCK_SIZE + 100
    staff = pd.concat([customers, customers.iloc[[c1] * copies]], ignore_index=True)
    staff_ids = pd.concat([ids, pd.Series([f"E{i}" for i in range(copies)])], ignore_index=True)
    register = contracts.get("register")
    result = link_source(register, standardised["register"].identities, staff, staff_ids)
    assert len(_links(result)["00000001"]) == copies + 2  # C1, C4 and every copy of C1
    assert result.candidates_per_pass["company"] >= copies


def test_ties_are_not_guessed(tiny):
    contracts, standardised, customers, ids = tiny
    # A second customer record identical to C1 under another id: V1 fits both equally.
    twin = pd.concat([customers, customers.iloc[[0]]], ignore_index=True)
    twin_ids = pd.concat([ids, pd.Series(["C1-twin"])], ignore_index=True)
    result = link_source(contracts.get("vendor"), standardised["vendor"].identities, twin, twin_ids)
    v1 = result.evidence[result.evidence["source_record_id"] == "V1"]
    assert set(v1["decision"]) == {"ambiguous"}
    assert "V1" not in _links(result)


def test_blocking_passes_are_counted_and_unioned(tiny):
    _, standardised, customers, _ = tiny
    vendor = standardised["vendor"].identities
    candidates = candidate_pairs(vendor, customers, ((("email",)), ("phone",)))
    # Emails: V1=C1 only (V2 has a work address). Phones: V1=C1, V2=C2, V3=C2.
    assert candidates.per_pass == {"email": 1, "phone": 3}
    assert len(candidates.pairs) == 3


def test_blocked_fields_map_keys_to_comparisons():
    assert blocked_fields(("surname_key", "company")) == {
        "surname",
        "full_name",
        "company",
        "employer",
    }


def test_missing_values_are_neutral():
    similarity = given_name(pd.Series(["bob", None]), pd.Series(["robert", "ann"]))
    assert similarity[0] == 1.0
    assert np.isnan(similarity[1])
    assert COMPARISONS["given_name"].levels(similarity).tolist() == [3, -1]


def test_model_learns_that_disagreement_is_evidence_against():
    # 200 matches agreeing on both fields, with 20 non-matches agreeing on field b only;
    # chance pairs almost never agree.
    rng = np.random.default_rng(0)
    matches = np.full((200, 2), 1, dtype=np.int8)
    decoys = np.array([[0, 1]] * 20, dtype=np.int8)
    levels = np.vstack([matches, decoys])
    chance = (rng.random((5000, 2)) < 0.01).astype(np.int8)
    sessions = {"a": (np.arange(len(levels)), {"b"})}
    model = train(levels, chance, ["a", "b"], [2, 2], sessions, total_pairs=220 * 1000)
    weights = model.fields[0].weights
    assert weights[1] > 5 > 0 > weights[0]
    probabilities = model.probabilities(levels)
    assert probabilities[:200].min() > 0.9 > probabilities[200:].max()


def test_unselective_passes_are_skipped_and_reported():
    # 300 records all born on one day against 300 customers born that day: 90,000 pairs, far
    # above 20 per record, so the pass is skipped; spread over 90 dates it is used.
    same = pd.DataFrame({"date_of_birth": ["1980-01-01"] * 300})
    assert candidate_pairs(same, same, (("date_of_birth",),)).per_pass == {"date_of_birth": -1}
    spread = pd.DataFrame({"date_of_birth": [f"19{i % 90:02d}-01-01" for i in range(300)]})
    assert candidate_pairs(spread, spread, (("date_of_birth",),)).per_pass == {
        "date_of_birth": 1020
    }
