"""Invariants GX cannot say simply: stage results in, one QualityResult per invariant out.

They span tables or need the contracts, the clock or the suppressions: purposes within the
taxonomy and the contract, nothing current past its expiry, links at or above their contract's
threshold, nothing held for an erased subject, `customers` equal to the current values, and
every delivery row accounted for. Each is evaluated column-wise (a predicate runs once per
distinct combination of values, never once per row), so a million values take well under a
second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lineage_pipeline.columnar import by_object, object_ids
from lineage_pipeline.contracts import ContractSet
from lineage_pipeline.ingest import SourceRecords
from lineage_pipeline.privacy.subject_keys import customer_key
from lineage_pipeline.quality.results import (
    CRITICAL,
    INVARIANTS_SUITE,
    SAMPLE,
    WARNING,
    CheckSpec,
    QualityResult,
    result_for,
)
from lineage_pipeline.vocabulary import SUBJECT_REQUEST

THIRD_PARTY_KINDS = ("purchased", "public")
# What a value's description (`_value`) reads.
DESCRIBED = ["customer_id", "field", "source", "source_record_id"]


def _spec(name: str, description: str, severity: str = CRITICAL) -> CheckSpec:
    return CheckSpec(name, INVARIANTS_SUITE, severity, description)


ROWS_ACCOUNTED_FOR = _spec(
    "every_delivery_row_accounted_for",
    "Per delivery, rows read = rows kept + rows quarantined.",
)
DELIVERIES_ACCEPTED = _spec(
    "every_delivery_accepted",
    "No delivery file was rejected whole (a rejected file publishes without its rows).",
    WARNING,
)
PURPOSES_IN_TAXONOMY = _spec(
    "every_purpose_in_taxonomy",
    "Every value has at least one purpose and each is in purposes.yaml.",
)
PURPOSES_GRANTED = _spec(
    "purposes_granted_by_contract",
    "A value's purposes are those its source's contract grants for that field.",
)
NOTHING_EXPIRED = _spec(
    "no_current_value_past_expiry",
    "No value in force (valid_to empty) is past its expires_at.",
)
THRESHOLDS_MET = _spec(
    "third_party_values_meet_match_threshold",
    "Every third-party value has a match probability in [0, 1] at or above its contract's "
    "threshold.",
)
NOTHING_FOR_ERASED = _spec(
    "no_third_party_value_for_erased_subject",
    "No third-party value is held for a customer whose subject key is suppressed (scope all).",
)
CUSTOMERS_AGREE = _spec(
    "customers_agree_with_current_values",
    "Each customers cell equals the is_current value of customer_fields (or both are empty).",
)
DELIVERIES_BALANCE = _spec(
    "delivery_rows_balance",
    "Per delivery, rows = rows linked + rows unlinked + rows quarantined, none negative.",
)


def _outcome(
    spec: CheckSpec, asset: str, bad: list[str], total: int, expected: str
) -> QualityResult:
    return _counted(spec, asset, (len(bad), bad[:SAMPLE]), total, expected)


def _counted(
    spec: CheckSpec, asset: str, found: tuple[int, list[str]], total: int, expected: str
) -> QualityResult:
    count, sample = found
    observed = f"{count} of {total} unexpected" + (": " + "; ".join(sample) if sample else "")
    return result_for(spec, asset, count == 0, observed, expected)


def rows_accounted_for(records: SourceRecords, asset: str) -> QualityResult:
    kept = records.records.groupby("_delivery").size()
    quarantined = records.quarantine.groupby("delivery")["row_number"].nunique()
    bad = []
    for d in records.deliveries:
        if d.error:
            continue
        got = int(kept.get(d.path, 0)) + int(quarantined.get(d.path, 0))
        if got != d.rows:
            bad.append(f"{Path(d.path).name}: {d.rows} rows read, {got} kept or quarantined")
    expected = "rows read = rows kept + rows quarantined"
    return _outcome(ROWS_ACCOUNTED_FOR, asset, bad, len(records.deliveries), expected)


def deliveries_accepted(records: SourceRecords, asset: str) -> QualityResult:
    bad = [str(d.error) for d in records.rejected]
    expected = "every delivery file readable"
    return _outcome(DELIVERIES_ACCEPTED, asset, bad, len(records.deliveries), expected)


def _sample(
    frame: pd.DataFrame, mask: pd.Series, describe: Callable[[Any], str]
) -> tuple[int, list[str]]:
    """How many rows the mask flags, and the first few of them described (only those rows
    are copied out of the frame)."""
    flagged = np.flatnonzero(np.asarray(mask, dtype=bool))
    rows = frame.iloc[flagged[:SAMPLE]]
    return len(flagged), [describe(row) for row in rows.itertuples()]


def _value(row: Any) -> str:
    return f"{row.customer_id}.{row.field} from {row.source} record {row.source_record_id}"


Codes = tuple[np.ndarray, Sequence[Any]]


def _codes(column: pd.Series) -> Codes:
    """Each row's value as a code into the column's distinct values (missing ones included)."""
    return pd.factorize(column, use_na_sentinel=False)


def purpose_codes(fields: pd.DataFrame) -> Codes:
    """Each value's purposes as a code into the distinct purpose tuples. The rows of one merge
    part share one list object, so lists are told apart by identity first, then by content."""
    objects, held = by_object(fields["purposes"].to_numpy(dtype=object))
    shown = [p if p is None or isinstance(p, float) else tuple(p) for p in held]
    by_content, distinct = pd.factorize(pd.Series(shown, dtype=object), use_na_sentinel=False)
    return by_content[objects], distinct


def _per_distinct(keys: list[Codes], index: pd.Index, flag: Callable[..., bool]) -> pd.Series:
    """`flag(*values)` for every row, evaluated once per distinct combination of the keys'
    values: a few dozen calls instead of one per row."""
    shape = tuple(max(len(values), 1) for _, values in keys)
    rows, combinations = pd.factorize(np.ravel_multi_index([c for c, _ in keys], shape))
    flags = np.array(
        [
            flag(*(values[i] for (_, values), i in zip(keys, where, strict=True)))
            for where in zip(*np.unravel_index(combinations, shape), strict=True)
        ],
        dtype=bool,
    )
    return pd.Series(flags[rows] if len(rows) else [], index=index, dtype=bool)


def purposes_in_taxonomy(
    fields: pd.DataFrame, contracts: ContractSet, asset: str, purposes: Codes | None = None
) -> QualityResult:
    """`purposes`: `purpose_codes(fields)`, when the caller has them already."""
    known = set(contracts.taxonomy.purposes)

    def unknown(purposes: Any) -> bool:
        return not isinstance(purposes, tuple) or len(purposes) == 0 or not set(purposes) <= known

    codes = purposes if purposes is not None else purpose_codes(fields)
    mask = _per_distinct([codes], fields.index, unknown)
    bad = _sample(fields, mask, lambda r: f"{_value(r)}: {list(r.purposes or [])}")
    expected = f"purposes non-empty and within {sorted(known)}"
    return _counted(PURPOSES_IN_TAXONOMY, asset, bad, len(fields), expected)


def _granted(contracts: ContractSet) -> dict[tuple[str, str], set[str]]:
    granted: dict[tuple[str, str], set[str]] = {}
    for contract in contracts.contracts:
        for name, spec in contract.fields.items():
            granted[(contract.name, name)] = set(spec.purposes)
            union = granted.setdefault((SUBJECT_REQUEST, name), set())
            union.update(spec.purposes)
    return granted


def purposes_granted(
    fields: pd.DataFrame, contracts: ContractSet, asset: str, purposes: Codes | None = None
) -> QualityResult:
    """`purposes`: `purpose_codes(fields)`, when the caller has them already."""
    granted = _granted(contracts)

    def beyond(source: Any, field: Any, purposes: Any) -> bool:
        held = set(purposes) if isinstance(purposes, tuple) else set()
        return not held <= granted.get((source, field), set())

    codes = purposes if purposes is not None else purpose_codes(fields)
    keys = [_codes(fields["source"]), _codes(fields["field"]), codes]
    mask = _per_distinct(keys, fields.index, beyond)
    bad = _sample(fields, mask, lambda r: f"{_value(r)}: {list(r.purposes or [])}")
    expected = "purposes within the contract's fields.<field>.purposes"
    return _counted(PURPOSES_GRANTED, asset, bad, len(fields), expected)


def nothing_expired(fields: pd.DataFrame, now: datetime, asset: str) -> QualityResult:
    mask = fields["valid_to"].isna() & (pd.to_datetime(fields["expires_at"]) <= now)
    bad = _sample(fields, mask, lambda r: f"{_value(r)} expired {r.expires_at}")
    expected = f"every value in force expires after {now.isoformat(sep=' ')}"
    return _counted(NOTHING_EXPIRED, asset, bad, int(fields["valid_to"].isna().sum()), expected)


def _third_party(fields: pd.DataFrame) -> np.ndarray:
    """The positions of third-party values (column by column: no frame is copied)."""
    return np.flatnonzero(fields["source_kind"].isin(THIRD_PARTY_KINDS).to_numpy())


def thresholds_met(fields: pd.DataFrame, contracts: ContractSet, asset: str) -> QualityResult:
    third = _third_party(fields)
    thresholds = {c.name: c.match.threshold for c in contracts.third_party}
    threshold = fields["source"].iloc[third].map(thresholds)
    probability = fields["match_probability"].iloc[third].astype(float)
    flagged = third[~(probability.between(0.0, 1.0) & (probability >= threshold)).to_numpy()]
    sample = [
        f"{_value(r)}: p={r.match_probability} < {threshold[r.Index]}"
        for r in fields.iloc[flagged[:SAMPLE]].itertuples()
    ]
    expected = "0 <= match_probability <= 1 and >= the source's match.threshold"
    return _counted(THRESHOLDS_MET, asset, (len(flagged), sample), len(third), expected)


def erased_customers(
    customer_ids: Iterable[str],
    salt: str,
    erased_keys: set[str],
    by_identity: Iterable[str] = (),
) -> set[str]:
    """Customers whose id is suppressed, and `by_identity`: those whose first-party record
    carries a suppressed identity key (`subject_keys.erased_by_identity`)."""
    if not erased_keys:
        return set()
    erased = {c for c in set(customer_ids) if customer_key(salt, c) in erased_keys}
    return erased | set(by_identity)


def nothing_for_erased(
    fields: pd.DataFrame,
    salt: str,
    erased_keys: set[str],
    asset: str,
    by_identity: Iterable[str] = (),
) -> QualityResult:
    third = _third_party(fields)
    ids = fields["customer_id"].iloc[third]
    erased = erased_customers(ids, salt, erased_keys, by_identity)
    flagged = third[ids.isin(erased).to_numpy()] if erased else third[:0]
    sample = [_value(r) for r in fields.iloc[flagged[:SAMPLE]].itertuples()]
    expected = f"no third-party value for the {len(erased_keys)} suppressed subject keys"
    return _counted(NOTHING_FOR_ERASED, asset, (len(flagged), sample), len(third), expected)


def _first_row(ids: pd.Series, wanted: pd.Series) -> np.ndarray:
    """The position of each wanted id among `ids` (its first, if repeated), or -1. A
    Categorical `wanted` is looked up once per category, not once per row."""
    if isinstance(wanted.dtype, pd.CategoricalDtype):
        per_category = np.append(_first_row(ids, pd.Series(wanted.cat.categories)), -1)
        return per_category[wanted.cat.codes.to_numpy()]  # code -1 (missing): the last, -1
    codes, distinct = pd.factorize(
        np.concatenate([ids.to_numpy(dtype=object), wanted.to_numpy(dtype=object)]),
        use_na_sentinel=False,
    )
    first = np.full(len(distinct), -1, dtype=np.int64)
    first[codes[: len(ids)][::-1]] = np.arange(len(ids))[::-1]  # the first occurrence wins
    return first[codes[len(ids) :]]


def _missing_as_none(values: np.ndarray) -> np.ndarray:
    """Every missing cell as None, so that two missing cells compare equal."""
    values[pd.isna(values)] = None
    return values


def _cells_differ(shown: np.ndarray, in_force: np.ndarray) -> np.ndarray:
    """Cell by cell, whether two object grids hold different values (missing ones alike).
    A cell holding the very same object on both sides is equal: `customers` is built from
    those objects, so only the other cells are compared by value."""
    left, right = shown.ravel(), in_force.ravel()
    other = np.flatnonzero(object_ids(left) != object_ids(right))
    differs = np.zeros(left.shape, dtype=bool)
    differs[other] = _missing_as_none(left[other]) != _missing_as_none(right[other])
    return differs.reshape(shown.shape)


def customers_agree(customers: pd.DataFrame, fields: pd.DataFrame, asset: str) -> QualityResult:
    """Compared on the customers grid (a row per customer, a column per field): each current
    value is placed in its cell by position, so nothing is melted, indexed or joined."""
    # Current rows by position: a Categorical's rows are taken as codes, and only the values
    # as objects (selecting rows of the frame copied every column).
    current = np.flatnonzero(fields["is_current"].to_numpy(dtype=bool))
    ids, names = fields["customer_id"].iloc[current], fields["field"].iloc[current]
    values = fields["value"].to_numpy(dtype=object)[current]
    columns = [c for c in customers.columns if c != "customer_id"]
    shown = customers[columns].to_numpy(dtype=object)
    row = _first_row(customers["customer_id"], ids)
    column = pd.Index(columns).get_indexer(names)
    placed = (row >= 0) & (column >= 0)
    elsewhere = np.flatnonzero(~placed)  # no customers cell at all: differs unless empty
    row, column = row[placed], column[placed]
    in_force = np.full(shown.shape, None, dtype=object)  # None: as `customers` shows an empty cell
    in_force[row, column] = values[placed]
    differs = _cells_differ(shown, in_force)
    # A cell cannot equal two current values.
    filled = np.bincount(row * len(columns) + column, minlength=differs.size)
    differs.ravel()[np.flatnonzero(filled > 1)] = True
    unshown = elsewhere[pd.notna(values[elsewhere])]
    cells = [
        (customers["customer_id"].iat[r], columns[c], shown[r, c], in_force[r, c])
        for c, r in np.argwhere(differs.T)[:SAMPLE]
    ]
    cells += [(ids.iat[u], names.iat[u], np.nan, values[u]) for u in unshown[:SAMPLE]]
    sample = [
        f"{customer}.{field}: customers has {has!r}, current value {value!r}"
        for customer, field, has, value in cells[:SAMPLE]
    ]
    found = (int(differs.sum()) + len(unshown), sample)
    expected = "customers = pivot of customer_fields where is_current"
    return _counted(CUSTOMERS_AGREE, asset, found, shown.size + len(elsewhere), expected)


def deliveries_balance(deliveries: pd.DataFrame, asset: str) -> QualityResult:
    parts = deliveries[["rows_linked", "rows_unlinked", "rows_quarantined"]]
    total = parts.sum(axis=1)
    mask = (total != deliveries["rows"]) | (parts < 0).any(axis=1)
    bad = [
        f"{r.source} {Path(r.path).name}: {r.rows} rows, {r.rows_linked} linked + "
        f"{r.rows_unlinked} unlinked + {r.rows_quarantined} quarantined"
        for r in deliveries[mask].itertuples()
    ]
    expected = "rows = rows_linked + rows_unlinked + rows_quarantined, each >= 0"
    return _outcome(DELIVERIES_BALANCE, asset, bad, len(deliveries), expected)
