"""Splink 5 on the same identities: the strongest open-source peer, as its documentation
teaches (DuckDB backend). Input: a LabelledDataset. Output: a MethodResult per dataset with
each person source's raw pair scores and its scores after taking each source record's best
match (one-to-one is not Splink's default). Needs the optional `bench` extra.

Both sides get our standardised identity fields (so the engines, not the cleaning, are
compared); comparisons and blocking rules use whichever of those fields both sides have.
"""

from __future__ import annotations

import logging
import time

import pandas as pd

from benchmarks.quality_data import LabelledDataset
from benchmarks.quality_methods import identity_tables
from benchmarks.quality_scores import MethodResult, best_per_record, link_scores
from lineage_pipeline.ingest import RECORD_ID

THRESHOLD = 0.9
U_PAIRS = 1e7
SEED = 1
# Blocking rules for prediction (used when both sides have every column named).
PREDICTION_RULES: tuple[tuple[str, ...], ...] = (
    ("email",),
    ("phone",),
    ("given_name", "surname"),
    ("date_of_birth",),
    ("postcode",),
    ("street", "region"),
    ("surname", "company"),
    ("given_name", "company"),
)
# EM training sessions: the first two usable; each leaves its own columns untrained.
TRAINING_RULES: tuple[tuple[str, ...], ...] = (
    ("date_of_birth",),
    ("postcode",),
    ("email",),
    ("phone",),
    ("surname",),
)
# Deterministic rules for the prior (probability two random records match), recall assumed.
DETERMINISTIC_RULES: tuple[tuple[str, ...], ...] = (
    ("email",),
    ("phone",),
    ("given_name", "surname", "date_of_birth"),
    ("given_name", "surname", "postcode"),
    ("given_name", "surname", "company"),
)
DETERMINISTIC_RECALL = 0.7
COMPARED = (
    "given_name", "surname", "date_of_birth", "email", "phone", "street", "city", "postcode",
    "region", "company",
)  # fmt: skip


def _comparisons(columns: set[str]) -> list:
    import splink.comparison_library as cl

    made = {
        "given_name": lambda: cl.NameComparison("given_name").configure(
            term_frequency_adjustments=True
        ),
        "surname": lambda: cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        "date_of_birth": lambda: cl.DateOfBirthComparison(
            "date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d"
        ),
        "email": lambda: cl.EmailComparison("email"),
        "phone": lambda: cl.ExactMatch("phone"),
        "street": lambda: cl.JaroWinklerAtThresholds("street", [0.9, 0.8]),
        "city": lambda: cl.JaroWinklerAtThresholds("city", [0.9]).configure(
            term_frequency_adjustments=True
        ),
        "postcode": lambda: cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]),
        "region": lambda: cl.ExactMatch("region"),
        "company": lambda: cl.JaroWinklerAtThresholds("company", [0.95, 0.88]),
    }
    return [made[c]() for c in COMPARED if c in columns]


def _rules(rules: tuple[tuple[str, ...], ...], columns: set[str]) -> list:
    from splink import block_on

    return [block_on(*rule) for rule in rules if set(rule) <= columns]


def _usable(frame: pd.DataFrame) -> set[str]:
    return {c for c in COMPARED if c in frame and frame[c].notna().any()}


def _frame(identities: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = identities[[RECORD_ID, *columns]].rename(columns={RECORD_ID: "unique_id"})
    return out.astype(object).where(out.notna(), None)


def link_with_splink(customers: pd.DataFrame, source: pd.DataFrame) -> pd.DataFrame:
    """Train and predict; returns (source_id, customer_id, match_probability) at >= 0.9."""
    from splink import DuckDBAPI, Linker, SettingsCreator

    columns = sorted(_usable(customers) & _usable(source))
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=_comparisons(set(columns)),
        blocking_rules_to_generate_predictions=[
            *_rules(PREDICTION_RULES, set(columns)),
            *(
                ["l.given_name = r.surname and l.surname = r.given_name"]
                if {"given_name", "surname"} <= set(columns)
                else []
            ),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    tables = [
        db_api.register(_frame(customers, columns), table_name="customers"),
        db_api.register(_frame(source, columns), table_name="source"),
    ]
    linker = Linker(tables, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        _rules(DETERMINISTIC_RULES, set(columns)), recall=DETERMINISTIC_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=SEED)
    for rule in _rules(TRAINING_RULES, set(columns))[:2]:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    found = predictions.as_pandas_dataframe()
    from_source = found["source_dataset_l"] == "source"
    return pd.DataFrame(
        {
            "source_id": found["unique_id_l"].where(from_source, found["unique_id_r"]),
            "customer_id": found["unique_id_r"].where(from_source, found["unique_id_l"]),
            "match_probability": found["match_probability"],
        }
    )


def run_splink(dataset: LabelledDataset) -> MethodResult:
    """Every person source with known links, linked to the customers by Splink."""
    import splink

    result = MethodResult(dataset.name, f"splink {splink.__version__}")
    for truth in dataset.links:
        customers, source = identity_tables(dataset, truth.source)
        start = time.perf_counter()
        found = link_with_splink(customers, source)
        result.seconds += time.perf_counter() - start
        triples = list(
            zip(found["source_id"], found["customer_id"], found["match_probability"], strict=True)
        )
        result.links[f"{truth.source} pairs"] = link_scores(
            [(s, c) for s, c, _ in triples], truth.pairs
        )
        best = best_per_record(triples)
        result.links[f"{truth.source} best"] = link_scores(best, truth.pairs)
        decoys = dataset.decoys.get(truth.source, frozenset())
        if decoys:
            result.decoys_known = True
            result.decoy_links = (result.decoy_links or 0) + sum(r in decoys for r, _ in best)
    return result
