"""Blocking: two coded identity tables in, candidate pairs out (a union of several passes).

Each pass joins on equal keys; a pass is used only when both sides have all its keys, so a
new vendor with other columns gets the passes its columns allow. A record missed by one pass
(a mistyped email, a missing phone) is still found by another. Joins are sorted integer joins
over the codes of encoding.py, and pairs are int32 positions into the two tables.

Passes come in stages (identifiers, other selective passes, broad passes): the linker runs a
stage only for the records the earlier stages left without a strong candidate (compare.py).
Broad passes (a name alone, a birth date alone) grow with the number of customers, so they
also pair a record only with key values held by at most BROAD_MAX_BLOCK customers: the pairs
per record stay about constant as the customers grow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lineage_pipeline.link.encoding import (
    Encoded,
    derived_codes,
    distinct,
    encode,
    gather,
    has_values,
)
from lineage_pipeline.standardise import SURNAME_KEY

LEFT, RIGHT = "source_index", "customer_index"
NAME_PAIR = "name_pair"
COMPANY_TOKEN = "company_token"

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
    (COMPANY_TOKEN,),
)
# Passes on keys that many people share (a name, a birth date, a town): bounded, see above.
BROAD_PASSES: frozenset[tuple[str, ...]] = frozenset(
    {
        ("given_name", SURNAME_KEY),
        (NAME_PAIR,),
        ("given_name", "city"),
        ("date_of_birth", "city"),
        (SURNAME_KEY, "city"),
        ("date_of_birth",),
        ("postcode",),
    }
)
# Keys that identify a person: the first stage of blocking.
IDENTIFIER_PASSES: frozenset[tuple[str, ...]] = frozenset({("email",), ("phone",)})
# A key value shared by more records than this on one side is too common to block on
# (e.g. a placeholder phone number); such blocks would only add noise and quadratic cost.
MAX_BLOCK_SIZE = 500
# Except a firm's own name or domain against a register: a register lists a firm once, and
# every one of its employees among the customers is rightly paired with it, however many
# (at a million customers, large employers have thousands). selective_enough still bounds
# the pairs per customer.
FIRM_PASSES: frozenset[tuple[str, ...]] = frozenset({("company",), ("company_domain",)})
NO_CAP = np.iinfo(np.int32).max
# A broad key (a name, a birth date) held by more customers than this cannot pick a person
# out: the record is left to the selective passes.
BROAD_MAX_BLOCK = 5
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
    COMPANY_TOKEN: ("company",),
    "company_domain": ("company_domain", "employer"),
}
# Derived keys and the identity columns they are made from.
DERIVED_KEYS: dict[str, tuple[str, ...]] = {
    NAME_PAIR: ("given_name", "surname"),
    COMPANY_TOKEN: ("company",),
}


def blocked_fields(keys: tuple[str, ...]) -> set[str]:
    return {f for key in keys for f in KEY_FIELDS.get(key, (key,))}


def pass_name(keys: tuple[str, ...]) -> str:
    return " + ".join(keys)


def key_columns(keys: tuple[str, ...]) -> list[str]:
    """The identity columns a pass reads."""
    return [c for key in keys for c in DERIVED_KEYS.get(key, (key,))]


def usable(frame: pd.DataFrame, keys: tuple[str, ...]) -> bool:
    return all(has_values(frame, c) for c in key_columns(keys))


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs (positional indexes into both tables), the count found per pass, and
    for each pass its keys and the rows of `pairs` it found."""

    pairs: pd.DataFrame
    per_pass: dict[str, int]
    pass_rows: dict[str, tuple[tuple[str, ...], np.ndarray]]


def with_blocking_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Add derived keys as columns: the first word of the company name, which survives most
    suffix and typo noise, and the two names in sorted order, which survives given and surname
    swapped. (The linker derives the same keys from codes; this is for other tools.)"""
    if "company" in frame:
        frame = frame.assign(company_token=frame["company"].str.split(" ").str[0])
    if "given_name" in frame and "surname" in frame:
        first = frame["given_name"].where(frame["given_name"] <= frame["surname"], frame["surname"])
        second = frame["surname"].where(
            frame["given_name"] <= frame["surname"], frame["given_name"]
        )
        frame = frame.assign(**{NAME_PAIR: first + " " + second})
    return frame


def _key_codes(encoded: Encoded, key: str) -> tuple[np.ndarray, np.ndarray]:
    if key == NAME_PAIR:
        # Both names share one vocabulary: the unordered pair of codes is the key.
        pairs = []
        for side in (encoded.left, encoded.right):
            g, s = side["given_name"].astype(np.int64), side["surname"].astype(np.int64)
            low, high = np.minimum(g, s), np.maximum(g, s)
            pairs.append(np.where((g < 0) | (s < 0), -1, (low << 32) | high))
        return pairs[0], pairs[1]
    if key == COMPANY_TOKEN:
        token = derived_codes(
            encoded.vocabulary("company"), "first_word", lambda v: v.split(" ")[0]
        )
        return gather(token, encoded.left["company"]), gather(token, encoded.right["company"])
    return encoded.left[key], encoded.right[key]


def pass_keys(encoded: Encoded, keys: tuple[str, ...]) -> tuple[np.ndarray, int, bool]:
    """One int64 key per row of both tables (left rows first): equal where all the pass's
    keys agree, -1 where any is missing; the number of left rows; and whether the keys are
    dense codes (one vocabulary's) rather than sparse combinations."""
    combined = missing = None
    n = 0
    for key in keys:
        left, right = _key_codes(encoded, key)
        n = len(left)
        both = np.concatenate([left, right]).astype(np.int64)
        gone = both < 0
        if combined is None:
            combined, missing = both, gone
            continue
        width = int(both.max(initial=0)) + 1
        if int(combined.max(initial=0)) >= np.iinfo(np.int64).max // width:
            combined = distinct(combined)[1]
        combined = combined * width + np.maximum(both, 0)
        missing |= gone
    combined[missing] = -1
    return combined, n, len(keys) == 1 and keys[0] != NAME_PAIR


@dataclass(frozen=True)
class CustomerBlocks:
    """A pass's key over both tables: each source row's key code, and per code the number of
    customers and where they start in `order` (customers sorted by code, ties by position)."""

    left_keys: np.ndarray
    sizes: np.ndarray
    starts: np.ndarray
    order: np.ndarray

    def ranges(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys = self.left_keys[rows]
        present = keys >= 0
        keys = np.where(present, keys, 0)
        start = np.where(present, self.starts[keys], 0)
        return start, start + np.where(present, self.sizes[keys], 0)


def customer_blocks(encoded: Encoded, keys: tuple[str, ...]) -> CustomerBlocks:
    combined, n, dense = pass_keys(encoded, keys)
    if dense:
        left, right = combined[:n], combined[n:]
        present = np.flatnonzero(right >= 0)
        order = present[np.argsort(right[present], kind="stable")]
    else:
        # Renumber sparse keys 0..k-1 with one sort of both tables, which also orders the
        # customers by key (ties by position: the sort is stable).
        present = np.flatnonzero(combined >= 0)
        ranked = present[np.argsort(combined[present], kind="stable")]
        first = np.ones(len(ranked), dtype=bool)
        first[1:] = combined[ranked[1:]] != combined[ranked[:-1]]
        dense_keys = np.full(len(combined), -1, dtype=np.int64)
        dense_keys[ranked] = np.cumsum(first) - 1
        left, right = dense_keys[:n], dense_keys[n:]
        order = ranked[ranked >= n] - n
    count = max(int(left.max(initial=0)), int(right.max(initial=0))) + 1
    sizes = np.bincount(right[right >= 0], minlength=count).astype(np.int32)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int32)
    return CustomerBlocks(left.astype(np.int32), sizes, starts, order.astype(np.int32))


def block_sizes(blocks: CustomerBlocks, cap: int, rows: np.ndarray | None = None) -> np.ndarray:
    """Per source row, the customers its key pairs it with (0 for a missing key or a block
    above `cap`)."""
    rows = np.arange(len(blocks.left_keys)) if rows is None else rows
    start, stop = blocks.ranges(rows)
    sizes = stop - start
    sizes[sizes > cap] = 0
    return sizes


def join(blocks: CustomerBlocks, cap: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (source row, customer row) pairs of source `rows` (ascending), ordered by source
    row then customer row."""
    start, stop = blocks.ranges(rows)
    counts = stop - start
    counts[counts > cap] = 0
    left = np.repeat(rows.astype(np.int32), counts)
    offsets = np.arange(len(left)) - np.repeat(np.cumsum(counts) - counts, counts)
    right = blocks.order[np.repeat(start, counts) + offsets]
    return left, right


def stage_of(keys: tuple[str, ...]) -> int:
    """0: identifiers, 1: other selective passes, 2: broad passes."""
    return 0 if keys in IDENTIFIER_PASSES else 2 if keys in BROAD_PASSES else 1


def cap_of(keys: tuple[str, ...], entity: str = "person") -> int:
    """The most customers a key value may pair a source record with, in this pass."""
    if entity == "organisation" and keys in FIRM_PASSES:
        return NO_CAP
    return BROAD_MAX_BLOCK if keys in BROAD_PASSES else MAX_BLOCK_SIZE


def selective_enough(
    blocks: CustomerBlocks, ranked_records: int | None = None, cap: int = MAX_BLOCK_SIZE
) -> bool:
    """Whether a pass, before the broad cap (blocks up to `cap` customers), gives few enough
    pairs per ranked record (a source record; for organisations, a customer: a register lists
    a firm once, and all of its employees are rightly paired with it)."""
    expected = int(block_sizes(blocks, cap).sum())
    records = len(blocks.left_keys) if ranked_records is None else ranked_records
    return expected <= MAX_PAIRS_PER_RECORD * max(records, 1)


def pair_codes(left: np.ndarray, right: np.ndarray, n_right: int) -> np.ndarray:
    """One int64 per pair, ordered as (source row, customer row)."""
    return left.astype(np.int64) * max(n_right, 1) + right


def union(
    found: dict[str, tuple[np.ndarray, np.ndarray]], n_right: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct pairs of all passes in (source row, customer row) order, and per pair a bit
    mask of the passes (in `found` order) that found it."""
    if len(found) > 32:
        raise ValueError(f"{len(found)} blocking passes: a pass mask holds at most 32")
    codes = [pair_codes(left, right, n_right) for left, right in found.values()]
    every = np.sort(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
    pairs = every[np.concatenate([[True], every[1:] != every[:-1]])] if len(every) else every
    mask = np.zeros(len(pairs), dtype=np.uint32)
    for bit, pass_codes in enumerate(codes):
        mask[np.searchsorted(pairs, pass_codes)] |= np.uint32(1 << bit)
    left = (pairs // max(n_right, 1)).astype(np.int32)
    right = (pairs % max(n_right, 1)).astype(np.int32)
    return left, right, mask


def candidate_pairs(
    source: pd.DataFrame, customers: pd.DataFrame, passes: tuple[tuple[str, ...], ...]
) -> Candidates:
    """Union of the pairs from every usable pass; both frames have a 0..n-1 index."""
    usable_passes = [k for k in passes if usable(source, k) and usable(customers, k)]
    encoded = encode(source, customers, [c for k in usable_passes for c in key_columns(k)])
    per_pass: dict[str, int] = {}
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    keys_of: dict[str, tuple[str, ...]] = {}
    rows = np.arange(len(source))
    for keys in usable_passes:
        blocks = customer_blocks(encoded, keys)
        name = pass_name(keys)
        if not selective_enough(blocks):
            per_pass[name] = SKIPPED
            continue
        found[name] = join(blocks, cap_of(keys), rows)
        per_pass[name] = len(found[name][0])
        keys_of[name] = keys
    left, right, mask = union(found, len(customers))
    pass_rows = {
        name: (keys_of[name], np.flatnonzero(mask & np.uint32(1 << bit)))
        for bit, name in enumerate(found)
    }
    pairs = pd.DataFrame({LEFT: left, RIGHT: right})
    return Candidates(pairs, per_pass, pass_rows)
