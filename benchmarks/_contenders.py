"""Three linkers over the same standardised identities: ours (lineage_pipeline.link), Splink 5 on
DuckDB, and plain recordlinkage (Block index, string comparisons, ECM classifier).

Input: a contract, the source's identities, the customers' identities and ids. Output: links as
the merge stage reads them (record id, delivery, customer id, match probability).
Invariant: the baselines get our blocking passes and the same compared fields and threshold, so
the comparison is of engines, not of configuration; each takes a record's (or, for an
organisation source, a customer's) best candidate at or above the contract's threshold.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from lineage_pipeline.contracts import Contract
from lineage_pipeline.ingest import DELIVERY, RECORD_ID
from lineage_pipeline.link import link_source
from lineage_pipeline.link.blocking import ORGANISATION_PASSES, PERSON_PASSES, with_blocking_keys
from lineage_pipeline.link.linker import compared_fields

SOURCE_ROW, CUSTOMER_ROW, PROBABILITY = "source_row", "customer_row", "probability"
SPLINK_U_PAIRS = 1_000_000  # Splink's documented default for estimate_u_using_random_sampling
SPLINK_PRIOR_RECALL = 0.7  # the recall assumed of the first pass when estimating the prior
ECM_BINARIZE = 0.85  # recordlinkage's ECM needs 0/1 agreement: similarity at or above this
# How each compared column is scored, mirroring lineage_pipeline.link.comparisons' cut-offs.
JARO_WINKLER = {
    "given_name": (0.92, 0.85),
    "surname": (0.94, 0.88),
    "full_name": (0.94, 0.88),
    "street": (0.9,),
    "city": (0.9,),
    "company": (0.95, 0.9),
}
LEVENSHTEIN = ("email", "date_of_birth")  # a typo or one digit off
# What a linker reports beside its links, per source (ours: candidate pairs per blocking pass).
DETAILS: dict[str, dict] = {}


def _columns(fields: list[str]) -> list[str]:
    """Compared columns: `employer` is our name for company and company_domain as one fact."""
    expanded = [
        c for f in fields for c in (("company", "company_domain") if f == "employer" else (f,))
    ]
    return list(dict.fromkeys(expanded))


def _passes(contract: Contract, source: pd.DataFrame, customers: pd.DataFrame) -> list[tuple]:
    passes = ORGANISATION_PASSES if contract.match.entity == "organisation" else PERSON_PASSES
    return [
        keys
        for keys in passes
        if all(k in f and f[k].notna().any() for f in (source, customers) for k in keys)
    ]


def _best(scored: pd.DataFrame, contract: Contract) -> pd.DataFrame:
    """Each record's (organisation: each customer's) most probable candidate above threshold."""
    kept = scored[scored[PROBABILITY] >= contract.match.threshold]
    group = CUSTOMER_ROW if contract.match.entity == "organisation" else SOURCE_ROW
    return kept.sort_values(PROBABILITY, ascending=False, kind="stable").drop_duplicates(group)


def _links(best: pd.DataFrame, source: pd.DataFrame, customer_ids: pd.Series) -> pd.DataFrame:
    rows = best[SOURCE_ROW].to_numpy()
    return pd.DataFrame(
        {
            RECORD_ID: source[RECORD_ID].to_numpy()[rows],
            DELIVERY: source[DELIVERY].to_numpy()[rows],
            "customer_id": customer_ids.to_numpy()[best[CUSTOMER_ROW].to_numpy()],
            "match_probability": best[PROBABILITY].to_numpy(),
        }
    )


def ours(contract: Contract, source, customers, customer_ids) -> pd.DataFrame:
    result = link_source(contract, source, customers, customer_ids)
    DETAILS[contract.name] = {
        "candidate_pairs": result.candidate_pairs,
        "candidates_per_pass": result.candidates_per_pass,
    }
    return result.links


def _splink_comparisons(columns: list[str]) -> list:
    import splink.comparison_library as cl

    made = []
    for column in columns:
        if column in JARO_WINKLER:
            made.append(cl.JaroWinklerAtThresholds(column, list(JARO_WINKLER[column])))
        elif column == "email":
            made.append(cl.EmailComparison(column))
        elif column in LEVENSHTEIN:
            made.append(cl.LevenshteinAtThresholds(column, [1]))
        else:
            made.append(cl.ExactMatch(column))
    return made


def splink(contract: Contract, source, customers, customer_ids) -> pd.DataFrame:
    """Splink 5 on DuckDB, trained as its tutorials do: prior from the first pass, u from
    random pairs, m by EM in a session per each of the first two passes."""
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    source = with_blocking_keys(source.reset_index(drop=True))
    customers = with_blocking_keys(customers.reset_index(drop=True))
    columns = _columns(compared_fields(contract, source, customers))
    passes = _passes(contract, source, customers)
    if not columns or not passes:
        return _links(
            pd.DataFrame(columns=[SOURCE_ROW, CUSTOMER_ROW, PROBABILITY]), source, customer_ids
        )
    keep = list(dict.fromkeys([*columns, *(k for keys in passes for k in keys)]))
    db = DuckDBAPI()
    tables = [
        db.register(
            frame[keep].assign(unique_id=np.arange(len(frame))).astype({k: "string" for k in keep}),
            table_name=name,
        )
        for name, frame in (("source_rows", source), ("customer_rows", customers))
    ]
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=_splink_comparisons(columns),
        blocking_rules_to_generate_predictions=[block_on(*keys) for keys in passes],
    )
    linker = Linker(tables, settings, log_level=logging.WARNING)
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on(*passes[0])], recall=SPLINK_PRIOR_RECALL
    )
    training.estimate_u_using_random_sampling(max_pairs=SPLINK_U_PAIRS)
    for keys in passes[:2]:
        training.estimate_parameters_using_expectation_maximisation(block_on(*keys))
    floor = min(0.5, contract.match.threshold)
    predicted = linker.inference.predict(threshold_match_probability=floor).as_pandas_dataframe()
    flipped = predicted["source_dataset_l"] != "source_rows"
    scored = pd.DataFrame(
        {
            SOURCE_ROW: np.where(flipped, predicted["unique_id_r"], predicted["unique_id_l"]),
            CUSTOMER_ROW: np.where(flipped, predicted["unique_id_l"], predicted["unique_id_r"]),
            PROBABILITY: predicted["match_probability"].to_numpy(),
        }
    ).astype({SOURCE_ROW: "int64", CUSTOMER_ROW: "int64"})
    return _links(_best(scored, contract), source, customer_ids)


def recordlinkage(contract: Contract, source, customers, customer_ids) -> pd.DataFrame:
    """recordlinkage as its documentation shows: Block index per pass (a union), string and
    exact comparisons, the unsupervised ECM classifier."""
    import recordlinkage as rl
    from recordlinkage.index import Block

    source = with_blocking_keys(source.reset_index(drop=True))
    customers = with_blocking_keys(customers.reset_index(drop=True))
    columns = _columns(compared_fields(contract, source, customers))
    passes = _passes(contract, source, customers)
    empty = pd.DataFrame(columns=[SOURCE_ROW, CUSTOMER_ROW, PROBABILITY])
    if not columns or not passes:
        return _links(empty, source, customer_ids)
    indexer = rl.Index()
    for keys in passes:
        indexer.add(Block(left_on=list(keys), right_on=list(keys)))
    pairs = indexer.index(source, customers)
    if len(pairs) == 0:
        return _links(empty, source, customer_ids)
    compare = rl.Compare()
    for column in columns:
        if column in JARO_WINKLER:
            compare.string(column, column, method="jarowinkler", label=column)
        elif column in LEVENSHTEIN:
            compare.string(column, column, method="levenshtein", label=column)
        else:
            compare.exact(column, column, label=column)
    features = compare.compute(pairs, source[columns], customers[columns])
    classifier = rl.ECMClassifier(binarize=ECM_BINARIZE)
    classifier.fit(features)
    scored = pd.DataFrame(
        {
            SOURCE_ROW: features.index.get_level_values(0),
            CUSTOMER_ROW: features.index.get_level_values(1),
            PROBABILITY: np.asarray(classifier.prob(features), dtype=float),
        }
    )
    return _links(_best(scored, contract), source, customer_ids)


def splink_docs(contract: Contract, source, customers, customer_ids) -> pd.DataFrame:
    """Splink configured as benchmarks/splink_baseline.py has it for the linkage-quality
    benchmark (its documentation's comparisons and blocking, term frequencies, 1e7 u pairs).
    That configuration is for person sources; an organisation source gets `splink` above."""
    if contract.match.entity == "organisation":
        return splink(contract, source, customers, customer_ids)
    from benchmarks.splink_baseline import link_with_splink

    # Positional ids: a record id repeats across deliveries, Splink's unique_id may not.
    source = source.reset_index(drop=True)
    found = link_with_splink(
        customers.reset_index(drop=True).assign(**{RECORD_ID: lambda f: f.index.astype(str)}),
        source.assign(**{RECORD_ID: lambda f: f.index.astype(str)}),
    )
    scored = pd.DataFrame(
        {
            SOURCE_ROW: found["source_id"].astype("int64"),
            CUSTOMER_ROW: found["customer_id"].astype("int64"),
            PROBABILITY: found["match_probability"].astype(float),
        }
    )
    return _links(_best(scored, contract), source, customer_ids)


CONTENDERS = {
    "lineage-pipeline": ours,
    "splink": splink,
    "splink-docs": splink_docs,
    "recordlinkage": recordlinkage,
}
