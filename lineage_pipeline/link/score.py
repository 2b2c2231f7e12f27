"""Score: a trained model and one bucket's compared pairs in, evidence and decisions out; and
the buckets' results combined into one LinkResult.

Invariant: a person record links to at most one customer; an organisation record may enrich
many customers but each customer takes at most one record of the source; a link needs a match
probability at or above the contract's threshold, and near-ties are never guessed. Decisions
rank within a source record (people) or a customer (organisations), never across buckets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from lineage_pipeline.ingest import DELIVERY, RECORD_ID
from lineage_pipeline.link.blocking import pair_codes
from lineage_pipeline.link.compare import Compared
from lineage_pipeline.link.comparisons import COMPARISONS, MISSING
from lineage_pipeline.link.encoding import distinct
from lineage_pipeline.link.model import MatchModel
from lineage_pipeline.link.plan import LinkPlan, per_pass_skeleton

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


@dataclass(frozen=True)
class ScoredBucket:
    """One bucket's evidence (pairs at or above the near-miss floor, decided) and every
    candidate pair's probability, each with its pair's canonical order key."""

    source: str
    evidence: pd.DataFrame
    evidence_order: np.ndarray
    probabilities: np.ndarray
    probability_order: np.ndarray
    per_pass: dict[str, int]
    model: MatchModel | None


def decide(
    group: np.ndarray, weight: np.ndarray, probability: np.ndarray, threshold: float
) -> np.ndarray:
    """accepted / ambiguous / outranked / near_miss for each scored pair.

    Pairs are ranked within `group`: a person record takes its best customer; for an
    organisation each customer takes its best record. The best is accepted at or above the
    threshold unless the runner-up is also above it and within TIE_WEIGHT_GAP: then both are
    ambiguous and nothing is linked. Equal weights keep the pairs' order.
    """
    above = probability >= threshold
    order = np.lexsort((-weight, group))
    g, w, a = group[order], weight[order], above[order]
    n = len(order)
    first = np.ones(n, dtype=bool)
    first[1:] = g[1:] != g[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    rank = np.arange(n) - start
    second = np.minimum(start + 1, max(n - 1, 0))
    has_second = (start + 1 < n) & (g[second] == g)
    tied = has_second & a[second] & ((w[start] - w[second]) < TIE_WEIGHT_GAP)
    decision = np.full(n, "near_miss", dtype=object)
    decision[a & (rank > 0)] = "outranked"
    decision[a & (rank == 0) & ~tied] = "accepted"
    decision[a & (rank <= 1) & tied] = "ambiguous"
    out = np.empty(n, dtype=object)
    out[order] = decision
    return out


def comparisons_json(
    similarities: np.ndarray, levels: np.ndarray, weights: np.ndarray, fields: tuple[str, ...]
) -> np.ndarray:
    """Per pair, a JSON object {field: {similarity, level, weight}}.

    DuckDB renders each distinct {similarity, level, weight} of a field once (similarities
    and weights are rounded, so there are few), and each pair's object joins its fields'.
    """
    if not len(levels):
        return np.array([], dtype=object)
    pieces = []
    for j, name in enumerate(fields):
        missing = levels[:, j] == MISSING
        similarity = np.where(missing, np.nan, np.round(similarities[:, j], 4))
        weight = np.round(weights[:, j], 3)
        sim_code = np.where(np.isnan(similarity), 0, np.round(similarity * 1e4) + 1)
        weight_code = np.round(weight * 1e3).astype(np.int64) + (1 << 19)  # |weight| <= 20
        keys = (levels[:, j].astype(np.int64) + 1) << 36
        keys |= (sim_code.astype(np.int64) << 21) | (weight_code << 1)
        keys |= np.signbit(weight)  # DuckDB writes -0.0 apart from 0.0
        _, inverse = distinct(keys)
        first = np.empty(inverse.max() + 1, dtype=np.int64)
        first[inverse] = np.arange(len(inverse))  # any pair showing the distinct values
        labels = np.array([*COMPARISONS[name].labels, "missing"], dtype=object)
        rendered = _json_objects(similarity[first], labels[levels[first, j]], weight[first])
        prefix = ("{" if j == 0 else ",") + json.dumps(name) + ":"
        pieces.append((prefix + rendered)[inverse].tolist())
    return np.array(["".join(parts) + "}" for parts in zip(*pieces, strict=True)], dtype=object)


def _json_objects(similarity: np.ndarray, level: np.ndarray, weight: np.ndarray) -> np.ndarray:
    frame = pd.DataFrame({"s": pd.array(similarity, dtype="Float64"), "l": level, "w": weight})
    con = duckdb.connect()
    try:
        con.register("parts", frame)
        sql = "SELECT json_object('similarity', s, 'level', l, 'weight', w)::VARCHAR FROM parts"
        return con.execute(sql).df().iloc[:, 0].to_numpy(dtype=object)
    finally:
        con.close()


def _lookup(rows: np.ndarray, values: np.ndarray, wanted: np.ndarray, size: int) -> np.ndarray:
    """`values` (aligned with `rows`, positions among `size`) at the `wanted` positions."""
    index = np.zeros(size, dtype=np.int32)
    index[rows] = np.arange(len(rows), dtype=np.int32)
    return values[index[wanted]]


def score_bucket(plan: LinkPlan, model: MatchModel | None, compared: Compared) -> ScoredBucket:
    """Weigh and decide one bucket's pairs with the model trained on all buckets."""
    empty = ScoredBucket(
        plan.source,
        pd.DataFrame(columns=EVIDENCE_COLUMNS),
        np.zeros(0, dtype=np.int64),
        np.zeros(0),
        np.zeros(0, dtype=np.int64),
        dict(compared.per_pass),
        model,
    )
    if model is None or not len(compared):
        return empty
    weights = model.field_weights(compared.levels)
    match_weight = model.prior_weight + weights.sum(axis=1)
    probability = 1.0 / (1.0 + np.exp2(-match_weight))
    order = pair_codes(compared.left, compared.right, plan.customer_records)
    keep = np.flatnonzero(probability >= min(NEAR_MISS_FLOOR, plan.threshold))
    left, right = compared.left[keep], compared.right[keep]
    group = left if plan.entity == "person" else right
    evidence = pd.DataFrame(
        {
            "source": plan.source,
            "source_record_id": _lookup(
                compared.source_rows, compared.source_record_ids, left, plan.source_records
            ),
            "delivery": _lookup(
                compared.source_rows, compared.source_deliveries, left, plan.source_records
            ),
            "customer_id": _lookup(
                compared.customer_rows, compared.customer_ids, right, plan.customer_records
            ),
            "match_probability": probability[keep],
            "match_weight": match_weight[keep],
            "decision": decide(group, match_weight[keep], probability[keep], plan.threshold),
            "comparisons": comparisons_json(
                compared.similarities[keep], compared.levels[keep], weights[keep], plan.fields
            ),
        }
    )
    return ScoredBucket(
        plan.source, evidence, order[keep], probability, order, dict(compared.per_pass), model
    )


def _in_order(parts: list[np.ndarray], keys: list[np.ndarray]) -> np.ndarray | None:
    """Positions that put the concatenated parts in canonical order (None: already are)."""
    if len(parts) <= 1:
        return None
    return np.argsort(np.concatenate(keys), kind="stable")


def combine(buckets: list[ScoredBucket], plan: LinkPlan | None = None) -> LinkResult:
    """One LinkResult from every bucket of a source: evidence, links and probabilities in the
    order a one-bucket run gives, pairs per pass summed."""
    if not buckets:
        source = plan.source if plan is not None else ""
        return LinkResult(source, pd.DataFrame(columns=EVIDENCE_COLUMNS), links_frame())
    frames = [b.evidence for b in buckets if len(b.evidence)]
    if frames:
        evidence = pd.concat(frames, ignore_index=True)
        order = _in_order(frames, [b.evidence_order for b in buckets if len(b.evidence)])
        if order is not None:
            evidence = evidence.take(order).reset_index(drop=True)
    else:
        evidence = pd.DataFrame(columns=EVIDENCE_COLUMNS)
    probabilities = np.concatenate([b.probabilities for b in buckets])
    order = _in_order([b.probabilities for b in buckets], [b.probability_order for b in buckets])
    if order is not None:
        probabilities = probabilities[order]
    per_pass = per_pass_skeleton(plan) if plan is not None else dict(buckets[0].per_pass)
    for name in per_pass:
        counts = [b.per_pass.get(name, 0) for b in buckets]
        per_pass[name] = counts[0] if counts[0] < 0 else sum(counts)
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
        source=buckets[0].source,
        evidence=evidence,
        links=links,
        candidates_per_pass=per_pass,
        candidate_pairs=len(probabilities),
        model=buckets[0].model,
        probabilities=probabilities,
    )


def links_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=[RECORD_ID, DELIVERY, "customer_id", "match_probability"])
