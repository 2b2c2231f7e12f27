"""Blocking: two identity tables in, candidate pairs out (a union of several passes).

Each pass joins on equal keys; a pass is used only when both sides have all its keys, so a
new vendor with other columns gets the passes its columns allow. A record missed by one pass
(a mistyped email, a missing phone) is still found by another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lineage_pipeline.standardise import SURNAME_KEY

LEFT, RIGHT = "source_index", "customer_index"
NAME_PAIR = "name_pair"

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
    ("given_name", SURNAME_KEY),
    (NAME_PAIR,),
    ("street", "postcode"),
    ("street", "city"),
    ("given_name", "postcode"),
    ("given_name", "city"),
    ("date_of_birth", "city"),
    (SURNAME_KEY, "city"),
    # Broad passes last: used only while they stay selective (see MAX_PAIRS_PER_RECORD).
    ("date_of_birth",),
    ("postcode",),
)
ORGANISATION_PASSES: tuple[tuple[str, ...], ...] = (
    ("company",),
    ("company_domain",),
    ("company_token",),
)
# A key value shared by more records than this on one side is too common to block on
# (e.g. a placeholder phone number); such blocks would only add noise and quadratic cost.
MAX_BLOCK_SIZE = 500
# A pass that would pair each source record with more customers than this on average is not
# selective at this size (a birth date alone, among a million customers): it is skipped, and
# the run summary says so.
MAX_PAIRS_PER_RECORD = 20
SKIPPED = -1


# The identity fields whose agreement a blocking key forces.
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    SURNAME_KEY: ("surname", "full_name"),
    NAME_PAIR: ("given_name", "surname", "full_name"),
    "company": ("company", "employer"),
    "company_token": ("company",),
    "company_domain": ("company_domain", "employer"),
}


def blocked_fields(keys: tuple[str, ...]) -> set[str]:
    return {f for key in keys for f in KEY_FIELDS.get(key, (key,))}


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs (positional indexes into both tables), the count found per pass, and
    for each pass its keys and the rows of `pairs` it found."""

    pairs: pd.DataFrame
    per_pass: dict[str, int]
    pass_rows: dict[str, tuple[tuple[str, ...], np.ndarray]]


def with_blocking_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Add derived keys: the first word of the company name, which survives most suffix and
    typo noise, and the two names in sorted order, which survives given and surname swapped."""
    if "company" in frame:
        frame = frame.assign(company_token=frame["company"].str.split(" ").str[0])
    if "given_name" in frame and "surname" in frame:
        first = frame["given_name"].where(frame["given_name"] <= frame["surname"], frame["surname"])
        second = frame["surname"].where(
            frame["given_name"] <= frame["surname"], frame["given_name"]
        )
        frame = frame.assign(**{NAME_PAIR: first + " " + second})
    return frame


def _usable(frame: pd.DataFrame, keys: tuple[str, ...]) -> bool:
    return all(k in frame and frame[k].notna().any() for k in keys)


def _pass_pairs(
    source: pd.DataFrame, customers: pd.DataFrame, keys: tuple[str, ...]
) -> pd.DataFrame | None:
    """The pairs agreeing on `keys`, or None when the pass is not selective enough."""
    left = source[list(keys)].dropna().reset_index(names=LEFT)
    right = customers[list(keys)].dropna().reset_index(names=RIGHT)
    sizes = right.groupby(list(keys))[RIGHT].transform("size")
    right = right[sizes <= MAX_BLOCK_SIZE]
    block_sizes = right.groupby(list(keys)).size().rename("block")
    expected = left.join(block_sizes, on=list(keys))["block"].sum()
    if expected > MAX_PAIRS_PER_RECORD * max(len(source), 1):
        return None
    return left.merge(right, on=list(keys))[[LEFT, RIGHT]]


def candidate_pairs(
    source: pd.DataFrame, customers: pd.DataFrame, passes: tuple[tuple[str, ...], ...]
) -> Candidates:
    """Union of the pairs from every usable pass; both frames have a 0..n-1 index."""
    found: list[pd.DataFrame] = []
    per_pass: dict[str, int] = {}
    used: dict[str, tuple[str, ...]] = {}
    for keys in passes:
        if not (_usable(source, keys) and _usable(customers, keys)):
            continue
        name = " + ".join(keys)
        pairs = _pass_pairs(source, customers, keys)
        if pairs is None:
            per_pass[name] = SKIPPED
            continue
        pairs = pairs.assign(blocking_pass=name)
        per_pass[name] = len(pairs)
        used[name] = keys
        found.append(pairs)
    if not found:
        empty = pd.DataFrame({LEFT: [], RIGHT: []}, dtype="int64")
        return Candidates(empty, per_pass, {})
    every = pd.concat(found, ignore_index=True)
    pairs = every[[LEFT, RIGHT]].drop_duplicates().sort_values([LEFT, RIGHT], ignore_index=True)
    row_of = every.merge(pairs.reset_index(names="row"), on=[LEFT, RIGHT])
    pass_rows = {
        name: (used[name], group["row"].to_numpy())
        for name, group in row_of.groupby("blocking_pass", sort=False)
    }
    return Candidates(pairs, per_pass, pass_rows)
