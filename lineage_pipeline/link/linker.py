"""Link: a source's identities and the customers' identities in, scored evidence and links out.

Invariant: a person record links to at most one customer; an organisation record may enrich
many customers but each customer takes at most one record of the source; a link needs a match
probability at or above the contract's threshold, and near-ties are never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import recordlinkage as rl

from lineage_pipeline.contracts import Contract
from lineage_pipeline.ingest import DELIVERY, RECORD_ID
from lineage_pipeline.link.blocking import (
    LEFT,
    ORGANISATION_PASSES,
    PERSON_PASSES,
    RIGHT,
    blocked_fields,
    candidate_pairs,
    with_blocking_keys,
)
from lineage_pipeline.link.comparisons import COMPARISONS, MISSING, FieldSimilarity
from lineage_pipeline.link.model import MatchModel, train
from lineage_pipeline.vocabulary import IDENTITY_FIELDS, ORGANISATION_FIELDS

RANDOM_PAIRS = 100_000
SWAP_MIN_SIMILARITY = 0.92
NEAR_MISS_FLOOR = 0.5
# Two candidates within a factor of two in odds are a tie: the link is not guessed.
TIE_WEIGHT_GAP = 1.0
EVIDENCE_COLUMNS = [
    "source",
    "source_record_id",
    "delivery",
    "customer_id",
    "match_probability",
    "match_weight",
    "decision",
    "comparisons",
]


@dataclass
class LinkResult:
    """What linking one source produced, for the warehouse and for the run summary."""

    source: str
    evidence: pd.DataFrame
    links: pd.DataFrame
    candidates_per_pass: dict[str, int] = field(default_factory=dict)
    candidate_pairs: int = 0
    model: MatchModel | None = None
    probabilities: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def linked_records(self) -> int:
        return int(self.links[[DELIVERY, RECORD_ID]].drop_duplicates().shape[0])


def compared_fields(contract: Contract, source: pd.DataFrame, customers: pd.DataFrame) -> list[str]:
    """Identity fields both sides have values for (organisations: organisation fields only)."""
    fields = [
        f
        for f in IDENTITY_FIELDS
        if f in source and f in customers and source[f].notna().any() and customers[f].notna().any()
    ]
    if contract.match.entity == "organisation":
        fields = [f for f in fields if f in ORGANISATION_FIELDS]
    elif "company" in fields and "company_domain" in fields:
        fields = [f for f in fields if f not in {"company", "company_domain"}] + ["employer"]
    # A split full name is compared as given name and surname; comparing it again double-counts.
    if "given_name" in fields and "surname" in fields and "full_name" in fields:
        fields.remove("full_name")
    return fields


def _similarities(
    pairs: pd.DataFrame, source: pd.DataFrame, customers: pd.DataFrame, fields: list[str]
) -> pd.DataFrame:
    compare = rl.Compare([FieldSimilarity(COMPARISONS[f]) for f in fields])
    index = pd.MultiIndex.from_arrays([pairs[LEFT].to_numpy(), pairs[RIGHT].to_numpy()])
    columns = sorted({c for f in fields for c in COMPARISONS[f].inputs})
    out = compare.compute(index, source[columns], customers[columns])
    if {"given_name", "surname"} <= set(fields):
        _score_swapped_names(out, index, source, customers)
    return out


def _score_swapped_names(
    out: pd.DataFrame, index: pd.MultiIndex, source: pd.DataFrame, customers: pd.DataFrame
) -> None:
    """Given name and surname written the wrong way round (a form filled in the wrong order):
    score each name against the other field where both cross-comparisons agree better."""
    names = ["given_name", "surname"]
    swapped = source[names].rename(columns={"given_name": "surname", "surname": "given_name"})
    cross = rl.Compare([FieldSimilarity(COMPARISONS[f]) for f in names]).compute(
        index, swapped[names], customers[names]
    )
    better = (cross["given_name"] > out["given_name"]) & (cross["surname"] > out["surname"])
    better &= (cross["given_name"] >= SWAP_MIN_SIMILARITY) & (
        cross["surname"] >= SWAP_MIN_SIMILARITY
    )
    out.loc[better, names] = cross.loc[better, names]


def _levels(similarities: pd.DataFrame, fields: list[str]) -> np.ndarray:
    if similarities.empty:
        return np.zeros((0, len(fields)), dtype=np.int8)
    columns = [COMPARISONS[f].levels(similarities[f].to_numpy(dtype=float)) for f in fields]
    return np.column_stack(columns)


def _random_pairs(n_left: int, n_right: int, seed: int, distinct: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = min(RANDOM_PAIRS, n_left * n_right)
    pairs = pd.DataFrame(
        {LEFT: rng.integers(0, n_left, size), RIGHT: rng.integers(0, n_right, size)}
    )
    return pairs[pairs[LEFT] != pairs[RIGHT]] if distinct else pairs


def _chance_levels(
    contract: Contract,
    source: pd.DataFrame,
    customers: pd.DataFrame,
    fields: list[str],
    seed: int,
) -> np.ndarray:
    """Comparison levels of pairs that are (almost all) non-matches, for estimating u.

    People: random source-customer pairs, as few of them match. Organisations: pairs of two
    different records of the source itself, since a register lists each organisation once;
    random source-customer pairs would be full of matches when customers share employers.
    """
    if contract.match.entity == "organisation" and len(source) > 1:
        pairs = _random_pairs(len(source), len(source), seed, distinct=True)
        return _levels(_similarities(pairs, source, source, fields), fields)
    pairs = _random_pairs(len(source), len(customers), seed, distinct=False)
    return _levels(_similarities(pairs, source, customers, fields), fields)


def _decide(scored: pd.DataFrame, threshold: float, entity: str) -> pd.Series:
    """accepted / ambiguous / outranked / near_miss for each scored pair.

    A person record takes its best customer; for an organisation each customer takes its best
    record. The best is accepted at or above the threshold unless the runner-up is also above
    it and within TIE_WEIGHT_GAP: then both are ambiguous and nothing is linked.
    """
    group = LEFT if entity == "person" else RIGHT
    ranked = scored.sort_values([group, "match_weight"], ascending=[True, False], kind="stable")
    rank = ranked.groupby(group).cumcount().to_numpy()
    runner_up = ranked[rank == 1].set_index(group)
    keys = ranked[group]
    best_weight = ranked.groupby(group)["match_weight"].transform("first").to_numpy()
    second_weight = keys.map(runner_up["match_weight"]).to_numpy(dtype=float)
    second_above = (
        keys.map(runner_up["match_probability"] >= threshold).fillna(False).to_numpy(dtype=bool)
    )
    tied = second_above & ((best_weight - second_weight) < TIE_WEIGHT_GAP)
    above = (ranked["match_probability"] >= threshold).to_numpy()
    decision = np.full(len(ranked), "near_miss", dtype=object)
    decision[above & (rank > 0)] = "outranked"
    decision[above & (rank == 0) & ~tied] = "accepted"
    decision[above & (rank <= 1) & tied] = "ambiguous"
    return pd.Series(decision, index=ranked.index).reindex(scored.index)


def _comparisons_json(
    similarities: pd.DataFrame, levels: np.ndarray, weights: np.ndarray, fields: list[str]
) -> np.ndarray:
    """Per pair, a JSON object {field: {similarity, level, weight}}, built by DuckDB in bulk."""
    if not len(levels):
        return np.array([], dtype=object)
    columns: dict[str, object] = {}
    parts = []
    for j, name in enumerate(fields):
        missing = levels[:, j] == MISSING
        labels = np.array([*COMPARISONS[name].labels, "missing"], dtype=object)
        similarity = np.round(similarities[name].to_numpy(dtype=float), 4)
        columns[f"s{j}"] = pd.array(np.where(missing, np.nan, similarity), dtype="Float64")
        columns[f"l{j}"] = labels[levels[:, j]]
        columns[f"w{j}"] = np.round(weights[:, j], 3)
        parts.append(f"'{name}', json_object('similarity', s{j}, 'level', l{j}, 'weight', w{j})")
    frame = pd.DataFrame(columns)
    con = duckdb.connect()
    try:
        con.register("evidence", frame)
        # Field names come from the fixed COMPARISONS registry, never from data.
        sql = f"SELECT json_object({', '.join(parts)})::VARCHAR AS c FROM evidence"  # noqa: S608
        return con.execute(sql).df()["c"].to_numpy(dtype=object)
    finally:
        con.close()


def link_source(
    contract: Contract,
    source: pd.DataFrame,
    customers: pd.DataFrame,
    customer_ids: pd.Series,
    seed: int = 0,
) -> LinkResult:
    """Score every candidate pair between a source and the customers, and choose the links.

    `source` and `customers` are standardised identity tables; `customer_ids` holds each
    customer row's id, aligned with `customers`.
    """
    source = with_blocking_keys(source.reset_index(drop=True))
    customers = with_blocking_keys(customers.reset_index(drop=True))
    fields = compared_fields(contract, source, customers)
    empty = LinkResult(contract.name, pd.DataFrame(columns=EVIDENCE_COLUMNS), _links_frame())
    if not fields or source.empty or customers.empty:
        return empty
    passes = ORGANISATION_PASSES if contract.match.entity == "organisation" else PERSON_PASSES
    candidates = candidate_pairs(source, customers, passes)
    pairs = candidates.pairs
    random_levels = _chance_levels(contract, source, customers, fields, seed)
    similarities = _similarities(pairs, source, customers, fields)
    levels = _levels(similarities, fields)
    level_counts = [COMPARISONS[f].level_count for f in fields]
    sessions = {
        name: (rows, blocked_fields(keys)) for name, (keys, rows) in candidates.pass_rows.items()
    }
    model = train(
        levels, random_levels, fields, level_counts, sessions, len(source) * len(customers)
    )
    weights = model.field_weights(levels)
    scored = pairs.copy()
    scored["match_weight"] = model.prior_weight + weights.sum(axis=1)
    scored["match_probability"] = model.probabilities(levels)
    floor = min(NEAR_MISS_FLOOR, contract.match.threshold)
    keep = (scored["match_probability"] >= floor).to_numpy()
    scored = scored[keep].copy()
    scored["decision"] = _decide(scored, contract.match.threshold, contract.match.entity)
    evidence = pd.DataFrame(
        {
            "source": contract.name,
            "source_record_id": source[RECORD_ID].to_numpy()[scored[LEFT]],
            "delivery": source[DELIVERY].to_numpy()[scored[LEFT]],
            "customer_id": customer_ids.to_numpy()[scored[RIGHT]],
            "match_probability": scored["match_probability"].to_numpy(),
            "match_weight": scored["match_weight"].to_numpy(),
            "decision": scored["decision"].to_numpy(),
            "comparisons": _comparisons_json(
                similarities[keep], levels[keep], weights[keep], fields
            ),
        }
    )
    accepted = evidence[evidence["decision"] == "accepted"]
    links = pd.DataFrame(
        {
            RECORD_ID: accepted["source_record_id"],
            DELIVERY: accepted["delivery"],
            "customer_id": accepted["customer_id"],
            "match_probability": accepted["match_probability"],
        }
    ).reset_index(drop=True)
    return LinkResult(
        source=contract.name,
        evidence=evidence.reset_index(drop=True),
        links=links,
        candidates_per_pass=candidates.per_pass,
        candidate_pairs=len(pairs),
        model=model,
        probabilities=model.probabilities(levels),
    )


def _links_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=[RECORD_ID, DELIVERY, "customer_id", "match_probability"])
