"""Link: a source's identities and the customers' identities in, scored evidence and links out.

The run is split into steps that a distributed run can spread over buckets of records:

    plan = link_plan(contract, source, customers)                    # global, once
    compared = [compare_bucket(plan, source, customers, ids, b, n) for b in range(n)]
    model = train_model(plan, compared)                              # global, once
    result = combine([score_bucket(plan, model, c) for c in compared], plan)

Any number of buckets gives exactly the same evidence, links and probabilities as
`link_source`, which is the one-bucket case. Every step's output is picklable.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from lineage_pipeline.contracts import Contract
from lineage_pipeline.link.compare import Compared, compare_bucket, compare_encoded
from lineage_pipeline.link.model import (
    LevelPatterns,
    MatchModel,
    merge_patterns,
    train_patterns,
)
from lineage_pipeline.link.plan import (
    LinkPlan,
    bucket_of,
    bucket_rows,
    compared_fields,
    link_plan,
    plan_encoded,
)
from lineage_pipeline.link.score import (
    EVIDENCE_COLUMNS,
    LinkResult,
    ScoredBucket,
    combine,
    score_bucket,
)

__all__ = [
    "EVIDENCE_COLUMNS",
    "Compared",
    "LinkPlan",
    "LinkResult",
    "ScoredBucket",
    "bucket_of",
    "combine",
    "compare_bucket",
    "compared_fields",
    "link_plan",
    "link_source",
    "score_bucket",
    "train_model",
]


def train_model(plan: LinkPlan, compared: Iterable[Compared | LevelPatterns]) -> MatchModel | None:
    """Fit the Fellegi-Sunter model once on every bucket's counted level patterns (None when
    there is nothing to compare). Pass each bucket's `Compared`, or only its small
    `.patterns` when the pairs themselves are elsewhere."""
    if plan.empty or plan.chance is None:
        return None
    parts = [c.patterns if isinstance(c, Compared) else c for c in compared]
    patterns = merge_patterns(parts, plan.level_counts)
    training = plan.training_passes
    sessions = [(p.name, p.blocked) if p.name in training else None for p in plan.passes]
    return train_patterns(
        patterns, plan.chance, list(plan.fields), plan.level_counts, sessions, plan.total_pairs
    )


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
    source = source.reset_index(drop=True)
    customers = customers.reset_index(drop=True)
    plan, encoded, blocks = plan_encoded(contract, source, customers, seed)
    if encoded is None:
        return combine([], plan)
    source_rows, customer_rows = bucket_rows(plan, source, customer_ids, 0, 1)
    compared = compare_encoded(
        plan, encoded, blocks, source_rows, customer_rows, source, customer_ids
    )
    del encoded, blocks
    model = train_model(plan, [compared])
    scored: ScoredBucket = score_bucket(plan, model, compared)
    return combine([scored], plan)
