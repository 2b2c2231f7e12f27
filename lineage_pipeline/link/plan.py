"""Plan: a source's and the customers' identities in, the global decisions of a linking run out.

Everything that must not depend on how the work is split is decided here, once, over the
whole tables: the compared fields, which blocking passes are selective enough to use, and the
chance pairs that estimate u. Buckets then block, compare and score independently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lineage_pipeline.contracts import Contract
from lineage_pipeline.ingest import RECORD_ID
from lineage_pipeline.link.blocking import (
    MAX_BLOCK_SIZE,
    ORGANISATION_PASSES,
    PERSON_PASSES,
    SKIPPED,
    CustomerBlocks,
    blocked_fields,
    cap_of,
    customer_blocks,
    key_columns,
    pass_name,
    selective_enough,
    stage_of,
    usable,
)
from lineage_pipeline.link.comparisons import COMPARISONS
from lineage_pipeline.link.encoding import Encoded, encode, has_values
from lineage_pipeline.link.model import LevelPatterns, level_patterns
from lineage_pipeline.link.similarity import field_levels, similarities
from lineage_pipeline.vocabulary import IDENTITY_FIELDS, ORGANISATION_FIELDS

RANDOM_PAIRS = 100_000


@dataclass(frozen=True)
class BlockingPass:
    """A pass the plan uses: its keys and its stage (blocking.stage_of)."""

    name: str
    keys: tuple[str, ...]
    stage: int

    @property
    def blocked(self) -> set[str]:
        return blocked_fields(self.keys)


@dataclass(frozen=True)
class LinkPlan:
    """The global decisions of one source's linking run; small and picklable.

    `passes` are the blocking passes used, in order (a candidate pair's pass mask has one bit
    per pass in this order); `skipped` the usable passes not selective enough at this size.
    Organisations rank candidates per customer, so their buckets split the customers;
    people's buckets split the source records.
    """

    source: str
    entity: str
    threshold: float
    fields: tuple[str, ...]
    passes: tuple[BlockingPass, ...]
    skipped: tuple[str, ...]
    chance: LevelPatterns | None
    source_records: int
    customer_records: int
    pass_order: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.fields or not self.source_records or not self.customer_records

    @property
    def level_counts(self) -> list[int]:
        return [COMPARISONS[f].level_count for f in self.fields]

    @property
    def total_pairs(self) -> int:
        return self.source_records * self.customer_records

    @property
    def bucket_side(self) -> str:
        return "customers" if self.entity == "organisation" else "source"

    @property
    def residual(self) -> bool:
        """Whether later blocking stages pair only unsettled source records: when a bucket
        holds all of a source record's candidates, i.e. buckets split the source."""
        return self.bucket_side == "source"

    @property
    def training_passes(self) -> set[str]:
        """The passes whose pairs train m: those that ran for every record. A later stage saw
        only the records the earlier ones could not settle, a biased sample (hard matches
        among namesakes) that would teach m that disagreement is common."""
        if not self.passes:
            return set()
        first = min(p.stage for p in self.passes)
        return {p.name for p in self.passes if not self.residual or p.stage == first}

    @property
    def columns(self) -> list[str]:
        compared = [c for f in self.fields for c in COMPARISONS[f].inputs]
        keys = [c for p in self.passes for c in key_columns(p.keys)]
        return list(dict.fromkeys([*compared, *keys]))


def compared_fields(contract: Contract, source: pd.DataFrame, customers: pd.DataFrame) -> list[str]:
    """Identity fields both sides have values for (organisations: organisation fields only)."""
    fields = [f for f in IDENTITY_FIELDS if has_values(source, f) and has_values(customers, f)]
    if contract.match.entity == "organisation":
        fields = [f for f in fields if f in ORGANISATION_FIELDS]
    elif "company" in fields and "company_domain" in fields:
        fields = [f for f in fields if f not in {"company", "company_domain"}] + ["employer"]
    # A split full name is compared as given name and surname; comparing it again double-counts.
    if "given_name" in fields and "surname" in fields and "full_name" in fields:
        fields.remove("full_name")
    return fields


def bucket_of(record_ids: pd.Series | np.ndarray, buckets: int) -> np.ndarray:
    """A stable bucket number in [0, buckets) per record id: the same in every process."""
    ids = pd.Series(np.asarray(record_ids, dtype=object)).astype(str).to_numpy(dtype=object)
    return (pd.util.hash_array(ids) % np.uint64(buckets)).astype(np.int64)


def _usable_passes(contract: Contract, source: pd.DataFrame, customers: pd.DataFrame):
    passes = ORGANISATION_PASSES if contract.match.entity == "organisation" else PERSON_PASSES
    return [k for k in passes if usable(source, k) and usable(customers, k)]


def _random_pairs(n_left: int, n_right: int, seed: int, distinct: bool):
    rng = np.random.default_rng(seed)
    size = min(RANDOM_PAIRS, n_left * n_right)
    left, right = rng.integers(0, n_left, size), rng.integers(0, n_right, size)
    keep = left != right if distinct else np.ones(size, dtype=bool)
    return left[keep].astype(np.int32), right[keep].astype(np.int32)


def _chance_levels(
    entity: str, encoded: Encoded, fields: list[str], sizes: tuple[int, int], seed: int
) -> np.ndarray:
    """Comparison levels of pairs that are (almost all) non-matches, for estimating u.

    People: random source-customer pairs, as few of them match. Organisations: pairs of two
    different records of the source itself, since a register lists each organisation once;
    random source-customer pairs would be full of matches when customers share employers.
    """
    n_left, n_right = sizes
    if entity == "organisation" and n_left > 1:
        left, right = _random_pairs(n_left, n_left, seed, distinct=True)
        return field_levels(similarities(fields, encoded, left, right, encoded.left), fields)
    left, right = _random_pairs(n_left, n_right, seed, distinct=False)
    return field_levels(similarities(fields, encoded, left, right), fields)


def plan_encoded(
    contract: Contract,
    source: pd.DataFrame,
    customers: pd.DataFrame,
    seed: int = 0,
) -> tuple[LinkPlan, Encoded | None, dict[str, CustomerBlocks]]:
    """The plan, with the encoded tables and the passes' customer blocks it built (reused by
    a one-bucket run)."""
    fields = compared_fields(contract, source, customers)
    base = {
        "source": contract.name,
        "entity": contract.match.entity,
        "threshold": contract.match.threshold,
        "source_records": len(source),
        "customer_records": len(customers),
    }
    if not fields or source.empty or customers.empty:
        return LinkPlan(fields=(), passes=(), skipped=(), chance=None, **base), None, {}
    candidates = _usable_passes(contract, source, customers)
    columns = [c for f in fields for c in COMPARISONS[f].inputs]
    columns += [c for keys in candidates for c in key_columns(keys)]
    encoded = encode(source, customers, columns)
    passes: list[BlockingPass] = []
    skipped: list[str] = []
    blocks: dict[str, CustomerBlocks] = {}
    ranked = len(customers) if contract.match.entity == "organisation" else len(source)
    for keys in candidates:
        name = pass_name(keys)
        pass_blocks = customer_blocks(encoded, keys)
        measured = max(cap_of(keys, contract.match.entity), MAX_BLOCK_SIZE)
        if selective_enough(pass_blocks, ranked, measured):
            passes.append(BlockingPass(name, keys, stage_of(keys)))
            blocks[name] = pass_blocks
        else:
            skipped.append(name)
    level_counts = [COMPARISONS[f].level_count for f in fields]
    chance_levels = _chance_levels(
        contract.match.entity, encoded, fields, (len(source), len(customers)), seed
    )
    chance = level_patterns(chance_levels, level_counts)
    plan = LinkPlan(
        fields=tuple(fields),
        passes=tuple(passes),
        skipped=tuple(skipped),
        chance=chance,
        pass_order=tuple(pass_name(k) for k in candidates),
        **base,
    )
    return plan, encoded, blocks


def link_plan(
    contract: Contract, source: pd.DataFrame, customers: pd.DataFrame, seed: int = 0
) -> LinkPlan:
    """Decide, over the whole tables, what every bucket of this source's run shares."""
    plan, _, _ = plan_encoded(
        contract, source.reset_index(drop=True), customers.reset_index(drop=True), seed
    )
    return plan


def per_pass_skeleton(plan: LinkPlan) -> dict[str, int]:
    """Every usable pass in order: 0 pairs so far, or SKIPPED."""
    skipped = set(plan.skipped)
    return {name: SKIPPED if name in skipped else 0 for name in plan.pass_order}


def bucket_rows(
    plan: LinkPlan,
    source: pd.DataFrame,
    customer_ids: pd.Series,
    bucket: int,
    buckets: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The source rows and customer rows a bucket works on (ascending positions)."""
    if not 0 <= bucket < buckets:
        raise ValueError(f"bucket {bucket} is not one of {buckets} buckets")
    all_source = np.arange(len(source))
    all_customers = np.arange(len(customer_ids))
    if buckets == 1:
        return all_source, all_customers
    if plan.bucket_side == "customers":
        return all_source, np.flatnonzero(bucket_of(customer_ids, buckets) == bucket)
    return np.flatnonzero(bucket_of(source[RECORD_ID], buckets) == bucket), all_customers
