"""Blocking: two identity tables in, candidate pairs out (a union of several passes).

Each pass joins on equal keys; a pass is used only when both sides have all its keys, so a
new vendor with other columns gets the passes its columns allow. A record missed by one pass
(a mistyped email, a missing phone) is still found by another.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lineage_pipeline.standardise import SURNAME_KEY

LEFT, RIGHT = "source_index", "customer_index"

PERSON_PASSES: tuple[tuple[str, ...], ...] = (
    ("email",),
    ("phone",),
    (SURNAME_KEY, "postcode"),
    (SURNAME_KEY, "date_of_birth"),
    (SURNAME_KEY, "company"),
    (SURNAME_KEY, "company_domain"),
    ("given_name", "date_of_birth"),
    ("date_of_birth", "postcode"),
    ("given_name", "company"),
)
ORGANISATION_PASSES: tuple[tuple[str, ...], ...] = (
    ("company",),
    ("company_domain",),
    ("company_token",),
)
# A key value shared by more records than this on one side is too common to block on
# (e.g. a placeholder phone number); such blocks would only add noise and quadratic cost.
MAX_BLOCK_SIZE = 500


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs (positional indexes into both tables) and the count found per pass."""

    pairs: pd.DataFrame
    per_pass: dict[str, int]


def with_company_token(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the first word of the company name, which survives most suffix and typo noise."""
    if "company" in frame:
        frame = frame.assign(company_token=frame["company"].str.split(" ").str[0])
    return frame


def _usable(frame: pd.DataFrame, keys: tuple[str, ...]) -> bool:
    return all(k in frame and frame[k].notna().any() for k in keys)


def _pass_pairs(
    source: pd.DataFrame, customers: pd.DataFrame, keys: tuple[str, ...]
) -> pd.DataFrame:
    left = source[list(keys)].dropna().reset_index(names=LEFT)
    right = customers[list(keys)].dropna().reset_index(names=RIGHT)
    sizes = right.groupby(list(keys))[RIGHT].transform("size")
    right = right[sizes <= MAX_BLOCK_SIZE]
    return left.merge(right, on=list(keys))[[LEFT, RIGHT]]


def candidate_pairs(
    source: pd.DataFrame, customers: pd.DataFrame, passes: tuple[tuple[str, ...], ...]
) -> Candidates:
    """Union of the pairs from every usable pass; both frames have a 0..n-1 index."""
    found: list[pd.DataFrame] = []
    per_pass: dict[str, int] = {}
    for keys in passes:
        if not (_usable(source, keys) and _usable(customers, keys)):
            continue
        pairs = _pass_pairs(source, customers, keys)
        per_pass[" + ".join(keys)] = len(pairs)
        found.append(pairs)
    if not found:
        return Candidates(pd.DataFrame({LEFT: [], RIGHT: []}, dtype="int64"), per_pass)
    pairs = pd.concat(found, ignore_index=True).drop_duplicates(ignore_index=True)
    return Candidates(pairs.sort_values([LEFT, RIGHT], ignore_index=True), per_pass)
