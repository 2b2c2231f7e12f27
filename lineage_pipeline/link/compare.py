"""Compare: a plan and one bucket of records in, the bucket's candidate pairs with their
similarities, levels and counted level patterns out.

Passes run in stages: identifiers (email, phone), then the other selective passes, then the
broad ones (a name alone, a birth date alone). A later stage pairs only the source records the
earlier stages left without a strong candidate, one agreeing exactly on at least
STRONG_AGREEMENTS fields: a record found by its email, name and employer gains only
non-matches from its colleagues and namesakes. So the pairs per record stay about constant as
the customers grow, while a record that is hard to find still meets every pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lineage_pipeline.ingest import DELIVERY, RECORD_ID
from lineage_pipeline.link.blocking import (
    CustomerBlocks,
    cap_of,
    customer_blocks,
    join,
    pair_codes,
    union,
)
from lineage_pipeline.link.encoding import Encoded, encode
from lineage_pipeline.link.model import LevelPatterns, level_patterns
from lineage_pipeline.link.plan import LinkPlan, bucket_rows, per_pass_skeleton
from lineage_pipeline.link.similarity import field_levels, similarities

STRONG_AGREEMENTS = 3


@dataclass(frozen=True)
class Compared:
    """One bucket's candidate pairs, sorted by (source row, customer row) over the whole
    tables: `left`/`right` positions (int32), the pass `masks`, per field `similarities` and
    `levels`; the ids of the rows they reference; the pairs per pass; and the counted level
    patterns the model trains on. Picklable, and free of identity strings beyond the ids."""

    left: np.ndarray
    right: np.ndarray
    masks: np.ndarray
    similarities: np.ndarray
    levels: np.ndarray
    patterns: LevelPatterns
    per_pass: dict[str, int]
    source_rows: np.ndarray
    source_record_ids: np.ndarray
    source_deliveries: np.ndarray
    customer_rows: np.ndarray
    customer_ids: np.ndarray

    def __len__(self) -> int:
        return len(self.left)


def _strong(levels: np.ndarray, level_counts: list[int]) -> np.ndarray:
    exact = levels == (np.asarray(level_counts, dtype=np.int8) - 1)
    return exact.sum(axis=1) >= STRONG_AGREEMENTS


def _contains(sorted_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    at = np.minimum(np.searchsorted(sorted_codes, codes), max(len(sorted_codes) - 1, 0))
    return (sorted_codes[at] == codes) if len(sorted_codes) else np.zeros(len(codes), bool)


def _pairs(
    plan: LinkPlan, encoded: Encoded, blocks: dict[str, CustomerBlocks], sizes: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """Pairs of local positions with masks, similarities and levels, and the pairs per pass.

    Passes run stage by stage; when the plan says so, a later stage pairs only the records
    that the earlier ones left without a strong candidate. Each pair is compared once."""
    n_left, n_right = sizes
    rows = np.arange(n_left)
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    codes = np.zeros(0, dtype=np.int64)
    sims = np.zeros((0, len(plan.fields)))
    levels = np.zeros((0, len(plan.fields)), dtype=np.int8)
    for stage in sorted({p.stage for p in plan.passes}):
        if plan.residual and len(codes):
            settled = np.zeros(n_left, dtype=bool)
            settled[codes[_strong(levels, plan.level_counts)] // max(n_right, 1)] = True
            rows = np.flatnonzero(~settled)
        stage_found = {
            p.name: join(blocks[p.name], cap_of(p.keys, plan.entity), rows)
            for p in plan.passes
            if p.stage == stage
        }
        found.update(stage_found)
        left, right, _ = union(stage_found, n_right)
        new = ~_contains(codes, pair_codes(left, right, n_right))
        new_sims = similarities(plan.fields, encoded, left[new], right[new])
        merged = np.concatenate([codes, pair_codes(left[new], right[new], n_right)])
        order = np.argsort(merged, kind="stable")
        codes = merged[order]
        sims = np.concatenate([sims, new_sims])[order]
        levels = np.concatenate([levels, field_levels(new_sims, plan.fields)])[order]
    ordered = {p.name: found[p.name] for p in plan.passes}
    left, right, masks = union(ordered, n_right)
    per_pass = {name: len(pairs[0]) for name, pairs in ordered.items()}
    return left, right, masks, sims, levels, per_pass


def _used(positions: np.ndarray, size: int) -> np.ndarray:
    """The distinct positions, ascending (a bincount: no sort, no hashing)."""
    return np.flatnonzero(np.bincount(positions, minlength=size)).astype(np.int32)


def compare_encoded(
    plan: LinkPlan,
    encoded: Encoded,
    blocks: dict[str, CustomerBlocks],
    source_rows: np.ndarray,
    customer_rows: np.ndarray,
    source: pd.DataFrame,
    customer_ids: pd.Series,
) -> Compared:
    """Compare a bucket whose encoded tables hold `source_rows` and `customer_rows` (global
    ascending positions) of `source` and the customers."""
    left, right, masks, sims, levels, found = _pairs(
        plan, encoded, blocks, (len(source_rows), len(customer_rows))
    )
    left, right = source_rows[left].astype(np.int32), customer_rows[right].astype(np.int32)
    per_pass = per_pass_skeleton(plan)
    per_pass.update(found)
    used_left, used_right = _used(left, plan.source_records), _used(right, plan.customer_records)
    return Compared(
        left=left,
        right=right,
        masks=masks,
        similarities=sims,
        levels=levels,
        patterns=level_patterns(levels, plan.level_counts, masks),
        per_pass=per_pass,
        source_rows=used_left,
        source_record_ids=source[RECORD_ID].to_numpy()[used_left],
        source_deliveries=source[DELIVERY].to_numpy()[used_left],
        customer_rows=used_right,
        customer_ids=np.asarray(customer_ids)[used_right],
    )


def empty_compared(plan: LinkPlan) -> Compared:
    none = np.zeros(0, dtype=np.int32)
    fields = len(plan.fields)
    return Compared(
        left=none,
        right=none,
        masks=np.zeros(0, dtype=np.uint32),
        similarities=np.zeros((0, fields)),
        levels=np.zeros((0, fields), dtype=np.int8),
        patterns=level_patterns(np.zeros((0, fields), np.int8), plan.level_counts),
        per_pass=per_pass_skeleton(plan),
        source_rows=none,
        source_record_ids=np.zeros(0, dtype=object),
        source_deliveries=np.zeros(0, dtype=object),
        customer_rows=none,
        customer_ids=np.zeros(0, dtype=object),
    )


def _rows(frame: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> pd.DataFrame:
    if len(rows) == len(frame):
        return frame
    return frame[[c for c in columns if c in frame]].iloc[rows]


def compare_bucket(
    plan: LinkPlan,
    source: pd.DataFrame,
    customers: pd.DataFrame,
    customer_ids: pd.Series,
    bucket: int = 0,
    buckets: int = 1,
) -> Compared:
    """Block and compare one bucket: people's buckets split the source records by
    `bucket_of` their record id, organisations' split the customers by their id."""
    source = source.reset_index(drop=True)
    customers = customers.reset_index(drop=True)
    if plan.empty or not plan.passes:
        return empty_compared(plan)
    source_rows, customer_rows = bucket_rows(plan, source, customer_ids, bucket, buckets)
    if not len(source_rows) or not len(customer_rows):
        return empty_compared(plan)
    encoded = encode(
        _rows(source, source_rows, plan.columns),
        _rows(customers, customer_rows, plan.columns),
        plan.columns,
    )
    blocks = {p.name: customer_blocks(encoded, p.keys) for p in plan.passes}
    return compare_encoded(plan, encoded, blocks, source_rows, customer_rows, source, customer_ids)
