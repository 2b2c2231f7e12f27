"""Merge: kept records and accepted links in, `customer_fields` (values with provenance and
history) and `customers` (one surviving value per field) out.

Invariant: every value row carries its source, record, delivery, legal basis, purposes and
dates; `valid_to IS NULL` marks values in force; exactly one in-force row per (customer, field)
is `is_current`, chosen by: subject correction, first party, contract priority, match
probability, newest delivery.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from lineage_pipeline.coded import Pool, categorical, shifted
from lineage_pipeline.contracts import ContractSet
from lineage_pipeline.survivorship import (
    NOT_A_TIME,
    code_ranks,
    group_codes,
    sort_rows,
    text_order,
    text_ranks,
    valid_to,
    winners,
)
from lineage_pipeline.text_bulk import objects
from lineage_pipeline.value_rows import (
    CODED_COLUMNS,
    POOLED_COLUMNS,
    Part,
    Rows,
    SourceValues,
    source_rows,
)
from lineage_pipeline.vocabulary import SUBJECT_REQUEST

FIELD_COLUMNS = [
    "customer_id",
    "field",
    "value",
    "source",
    "source_kind",
    "source_record_id",
    "delivery",
    "match_probability",
    "legal_basis",
    "purposes",
    "acquired_at",
    "expires_at",
    "valid_from",
    "valid_to",
    "run_id",
    "is_current",
]
_KIND_RANK = {SUBJECT_REQUEST: 0, "first_party": 1, "purchased": 2, "public": 2}
# Rectification is a legal duty, so a correction is held on that basis.
CORRECTION_LEGAL_BASIS = "legal_obligation"
# Output columns held as pandas Categoricals (repeated text); `source` stays text: callers
# group by it.
CATEGORICAL_COLUMNS = ("customer_id", "field", "source_kind", "delivery", "legal_basis", "run_id")


def correction_observations(corrections: pd.DataFrame, contracts: ContractSet) -> pd.DataFrame:
    """Subject corrections as value rows; they may serve every purpose the field serves."""
    if corrections.empty:
        return pd.DataFrame()
    purposes: dict[str, list[str]] = {}
    retention: dict[str, int] = {}
    for contract in contracts.contracts:
        for name, spec in contract.fields.items():
            purposes[name] = sorted(set(purposes.get(name, [])) | set(spec.purposes))
            retention[name] = max(retention.get(name, 0), spec.retention_days)
    out = pd.DataFrame(
        {
            "customer_id": corrections["customer_id"],
            "field": corrections["field"],
            "value": corrections["value"],
            "source": SUBJECT_REQUEST,
            "source_kind": SUBJECT_REQUEST,
            "source_record_id": corrections["request_id"],
            "delivery": SUBJECT_REQUEST,
            "match_probability": float("nan"),
            "legal_basis": CORRECTION_LEGAL_BASIS,
            "purposes": corrections["field"].map(purposes),
            "acquired_at": pd.to_datetime(corrections["requested_at"]),
            "run_id": corrections["request_id"],
            "priority": None,
        }
    )
    days = corrections["field"].map(retention).fillna(0)
    out["expires_at"] = out["acquired_at"] + pd.to_timedelta(days, unit="D")
    return out


def _correction_rows(corrections: pd.DataFrame, contracts: ContractSet, rows: Rows) -> None:
    """Append the subject corrections' value rows, one part per corrected field."""
    frame = correction_observations(corrections, contracts)
    if frame.empty:
        return
    codes, names = pd.factorize(frame["field"].to_numpy(dtype=object))
    purposes = frame["purposes"].to_numpy(dtype=object)
    first = pd.Series(np.arange(len(codes))).groupby(codes).first()
    parts = [
        Part(
            name,
            SUBJECT_REQUEST,
            SUBJECT_REQUEST,
            CORRECTION_LEGAL_BASIS,
            purposes[first[code]],
            None,
        )
        for code, name in enumerate(names)
    ]
    if (codes < 0).any():  # a correction without a field name
        parts.append(
            Part(np.nan, SUBJECT_REQUEST, SUBJECT_REQUEST, CORRECTION_LEGAL_BASIS, np.nan, None)
        )
        codes = np.where(codes < 0, len(names), codes)
    coded = {}
    for name in CODED_COLUMNS:
        column, distinct = pd.factorize(frame[name].to_numpy(dtype=object))
        coded[name] = shifted(column, rows.dictionaries[name].add(distinct))
    rows.add(
        parts,
        codes,
        **coded,
        **{
            name: np.arange(len(frame)) + rows.pools[name].add(frame[name].to_numpy(dtype=object))
            for name in POOLED_COLUMNS
        },
        match_probability=frame["match_probability"].to_numpy(dtype=float),
        acquired_at=frame["acquired_at"].to_numpy(dtype="datetime64[ns]"),
        expires_at=frame["expires_at"].to_numpy(dtype="datetime64[ns]"),
    )


def _survivor_mask(
    group: np.ndarray,
    ranks: list[np.ndarray],
    source_rank: np.ndarray,
    record_id: np.ndarray,
    in_force: np.ndarray,
) -> np.ndarray:
    """The winner of each (customer, field) group among in-force rows, as positions: the
    lowest `ranks` (kind, priority, probability, recency), then source and source record id
    (text order), then row order."""
    columns = [rank[in_force] for rank in ranks]
    columns.append(source_rank[in_force])
    return in_force[winners(group[in_force], columns, record_id[in_force])]


def _part_ranks(kind: pd.Series, priority: pd.Series) -> list[np.ndarray]:
    """The ranks a row takes from its source: subject correction, then first party; then
    contract priority."""
    return [
        kind.map(_KIND_RANK).fillna(np.inf).to_numpy(),
        priority.astype(float).fillna(np.inf).to_numpy(),
    ]


def _ranks(
    kind: pd.Series, priority: pd.Series, probability: pd.Series, acquired_at: pd.Series
) -> list[np.ndarray]:
    """Survivorship ranks, lowest wins: subject correction, then first party; contract
    priority; match probability; newest delivery."""
    return [
        *_part_ranks(kind, priority),
        (-probability.fillna(1.0)).to_numpy(),
        (-acquired_at.astype("int64")).to_numpy(),
    ]


def survivors(rows: pd.DataFrame) -> np.ndarray:
    """The survivorship rule over in-force rows (they need a `priority` column): a boolean mask
    of the winner per (customer, field). Privacy operations re-apply it to the published
    warehouse after a correction or a retention sweep, exactly as a run would."""
    customer = pd.factorize(rows["customer_id"].to_numpy(dtype=object))[0] + 1
    field_code = pd.factorize(rows["field"].to_numpy(dtype=object))[0] + 1
    chosen = _survivor_mask(
        group_codes(customer, field_code),
        _ranks(
            rows["source_kind"].astype(object),
            rows["priority"],
            rows["match_probability"],
            rows["acquired_at"],
        ),
        text_ranks(rows["source"].to_numpy(dtype=object)),
        rows["source_record_id"].to_numpy(dtype=object),
        np.flatnonzero(rows["valid_to"].isna().to_numpy()),
    )
    return rows.index.isin(rows.index[chosen])


def _versioned(part: np.ndarray, acquired_at: np.ndarray) -> np.ndarray:
    """The rows of parts holding values acquired at more than one time: only there can a
    value have a newer version (a source delivered once, like most first-party tables, has
    none)."""
    times = acquired_at.view(np.int64)
    some = np.zeros(int(part.max(initial=0)) + 1, dtype=np.int64)
    some[part] = times  # any one row's time per part
    differs = np.bincount(part[times != some[part]], minlength=len(some)) > 0
    return np.flatnonzero(differs[part])


def _history(
    rows: dict[str, np.ndarray], group: np.ndarray, part: np.ndarray, now: datetime
) -> np.ndarray:
    """valid_to: a newer delivery of the same source replaces older values; expired values
    end when they expire."""
    acquired_at = rows["acquired_at"]
    ends = np.full(len(acquired_at), NOT_A_TIME)
    versioned = _versioned(part, acquired_at)
    ends[versioned] = valid_to(group[versioned], acquired_at[versioned])
    expires = rows["expires_at"]
    expired = expires <= np.datetime64(now, "ns")
    earlier = np.where(np.isnat(ends), expires, np.minimum(ends, expires))
    return np.where(expired, earlier, ends)


def _collect(
    sources: list[SourceValues], corrections: pd.DataFrame, contracts: ContractSet
) -> Rows:
    collected = Rows()
    for values in sources:
        source_rows(values, collected)
    _correction_rows(corrections, contracts, collected)
    return collected


def customer_fields(
    sources: list[SourceValues],
    corrections: pd.DataFrame,
    contracts: ContractSet,
    now: datetime,
    grace: timedelta,
) -> pd.DataFrame:
    """Every value held, with provenance and history; survivors marked `is_current`.

    The repeated text columns (CATEGORICAL_COLUMNS) come as pandas Categoricals.
    """
    collected = _collect(sources, corrections, contracts)
    rows = collected.arrays()
    if not len(rows["part"]):
        return pd.DataFrame(columns=FIELD_COLUMNS)
    kept = np.flatnonzero(rows["expires_at"] >= np.datetime64(now - grace, "ns"))
    if len(kept) < len(rows["part"]):
        rows = {name: column[kept] for name, column in rows.items()}
    del kept
    coded = {}
    for name in CODED_COLUMNS:
        coded[name] = collected.dictionaries[name].joined(rows.pop(name))
    parts, part = collected.parts, rows.pop("part")
    # Record ids break ties in the sorts below; values are looked up only at the end.
    rows["source_record_id"] = collected.pools["source_record_id"].take(rows["source_record_id"])
    return _ordered_frame(parts, part, rows, coded, collected.pools["value"], now)


def _per_part(parts: list[Part], attribute: str) -> np.ndarray:
    return objects([getattr(p, attribute) for p in parts])


def _dense(*keys: np.ndarray) -> np.ndarray:
    """Each position's rank when ordered by `keys` in turn (ties share a rank)."""
    order = np.lexsort(tuple(reversed(keys)))
    step = np.zeros(len(order), dtype=np.int64)
    for key in keys:
        step[1:] |= key[order][1:] != key[order][:-1]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.cumsum(step)
    return rank


def _ordered_frame(
    parts: list[Part],
    part: np.ndarray,
    rows: dict[str, np.ndarray],
    coded: dict[str, tuple[np.ndarray, np.ndarray]],
    values: Pool,
    now: datetime,
) -> pd.DataFrame:
    """History, survivors and the published row order, worked out on codes; then the frame."""
    field_rank = text_ranks(_per_part(parts, "field"))[part]
    source_rank = text_ranks(_per_part(parts, "source"))[part]
    customer_codes, customer_ids = coded.pop("customer_id")
    customer_order = text_order(customer_ids)
    # Groups customers, and orders them.
    customer = code_ranks(customer_codes, customer_ids, customer_order)
    del customer_codes
    ends = _history(rows, group_codes(customer, part), part, now)
    # Keys that belong to the part are folded into one: fewer keys for each sort.
    kind_rank, priority_rank = _part_ranks(
        pd.Series(_per_part(parts, "source_kind")),
        pd.Series(_per_part(parts, "priority"), dtype=object),
    )
    group = group_codes(customer, field_rank)
    in_force = np.flatnonzero(np.isnat(ends)).astype(np.int32, copy=False)
    probability = rows["match_probability"][in_force]
    ranked = sort_rows(
        [
            group_codes(group, _dense(kind_rank, priority_rank)[part])[in_force],
            -np.where(np.isnan(probability), 1.0, probability),
            -rows["acquired_at"][in_force].view(np.int64),  # kept rows have one: they expire
            source_rank[in_force],
        ],
        rows["source_record_id"],
        in_force,
    )
    del probability
    ranked_groups = group[in_force][ranked]
    first = np.ones(len(ranked), dtype=bool)
    first[1:] = ranked_groups[1:] != ranked_groups[:-1]
    is_current = np.zeros(len(part), dtype=bool)
    is_current[in_force[ranked[first]]] = True
    del group, in_force, ranked, ranked_groups, first
    order = sort_rows(
        [group_codes(customer, field_rank, source_rank), rows["acquired_at"]],
        rows["source_record_id"],
    )
    del field_rank, source_rank
    # A rank names the customer at that place of the text order; missing ones rank last.
    customer = np.append(customer_order, -1)[customer[order]]
    part = part[order]
    # Text columns go straight into one block, one at a time: the frame comes out consolidated
    # without a copy of them, and only one column is ever held twice.
    block = np.empty((4, len(order)), dtype=object)
    block[0] = values.take(rows.pop("value")[order])
    block[1] = _per_part(parts, "source")[part]
    block[2] = rows.pop("source_record_id")[order]
    block[3] = _per_part(parts, "purposes")[part]
    frame = pd.DataFrame(block.T, columns=["value", "source", "source_record_id", "purposes"])
    del block

    def part_column(name: str) -> pd.Categorical:
        codes, distinct = pd.factorize(_per_part(parts, name))
        return categorical(codes[part], np.asarray(distinct, dtype=object))

    def coded_column(name: str) -> pd.Categorical:
        codes, distinct = coded.pop(name)
        return categorical(codes[order], distinct)

    # Each other column is made as it is inserted, in FIELD_COLUMNS order (acquired_at is read
    # before valid_from takes it), so they are never all held beside the frame at once.
    make = {
        "customer_id": lambda: categorical(customer, customer_ids, customer_order),
        "field": lambda: part_column("field"),
        "source_kind": lambda: part_column("source_kind"),
        "delivery": lambda: coded_column("delivery"),
        "match_probability": lambda: rows.pop("match_probability")[order],
        "legal_basis": lambda: part_column("legal_basis"),
        "acquired_at": lambda: rows["acquired_at"][order],
        "expires_at": lambda: rows.pop("expires_at")[order],
        "valid_from": lambda: rows.pop("acquired_at")[order],
        "valid_to": lambda: ends[order],
        "run_id": lambda: coded_column("run_id"),
        "is_current": lambda: is_current[order],
    }
    for position, name in enumerate(FIELD_COLUMNS):
        if name in make:
            frame.insert(position, name, make.pop(name)())
    return frame


def _codes_in(column: pd.Series, rows: np.ndarray, wanted: pd.Index) -> np.ndarray:
    """The position in `wanted` of each of `rows`' values (-1: not there); a Categorical looks
    up its categories only."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        found = np.append(wanted.get_indexer(column.cat.categories), -1)
        return found[column.cat.codes.to_numpy()[rows]]
    return wanted.get_indexer(column.to_numpy(dtype=object)[rows])


def _sorted_ids(customer_ids: pd.Series) -> list:
    """sorted(set(customer_ids)), ordering distinct ids only (text by its code points)."""
    distinct = pd.unique(customer_ids.to_numpy(dtype=object))
    if all(type(v) is str for v in distinct):
        return list(distinct[text_order(distinct)])
    return sorted(set(customer_ids))


def customers_table(
    fields: pd.DataFrame, customer_ids: pd.Series, field_names: list[str]
) -> pd.DataFrame:
    """One row per customer, one column per field, holding the surviving value."""
    current = np.flatnonzero(fields["is_current"].to_numpy(dtype=bool))
    ids = _sorted_ids(customer_ids)
    rows = _codes_in(fields["customer_id"], current, pd.Index(ids, dtype=object))
    columns = _codes_in(fields["field"], current, pd.Index(field_names, dtype=object))
    if _repeated_pairs(rows, columns, fields, current):
        # Two current values for one customer and field: pivot names the problem.
        fields[fields["is_current"]].pivot(index="customer_id", columns="field", values="value")
    found = (rows >= 0) & (columns >= 0)
    values = fields["value"].to_numpy(dtype=object)[current[found]]
    if infer_dtype(values, skipna=False) != "string":  # all text, the rule: none missing
        values = np.where(pd.isna(values), None, values)
    wide = np.full((len(ids), len(field_names) + 1), None, dtype=object)
    wide[:, 0] = ids
    wide[rows[found], columns[found] + 1] = values
    return pd.DataFrame(wide, columns=["customer_id", *field_names])


def _repeated_pairs(
    rows: np.ndarray, columns: np.ndarray, fields: pd.DataFrame, current: np.ndarray
) -> bool:
    """Whether a (customer, field) pair occurs twice; rows and columns locate known ones."""
    if (rows < 0).any() or (columns < 0).any():
        rows = pd.factorize(fields["customer_id"].to_numpy(dtype=object)[current])[0] + 1
        columns = pd.factorize(fields["field"].to_numpy(dtype=object)[current])[0] + 1
    pairs = rows.astype(np.int64) * (int(columns.max(initial=0)) + 1) + columns
    return bool(len(pairs)) and bool((np.bincount(pairs) > 1).any())
