"""Linking third-party records to customers with recordlinkage and a Fellegi-Sunter model,
in one call (`link_source`) or in steps that run per bucket of records (see linker.py)."""

from lineage_pipeline.link.linker import (
    Compared,
    LinkPlan,
    LinkResult,
    ScoredBucket,
    bucket_of,
    combine,
    compare_bucket,
    link_plan,
    link_source,
    score_bucket,
    train_model,
)

__all__ = [
    "Compared",
    "LinkPlan",
    "LinkResult",
    "ScoredBucket",
    "bucket_of",
    "combine",
    "compare_bucket",
    "link_plan",
    "link_source",
    "score_bucket",
    "train_model",
]
