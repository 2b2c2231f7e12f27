"""Merge: kept records and accepted links in, `customer_fields` (values with provenance and
history) and `customers` (one surviving value per field) out.

Invariant: every value row carries its source, record, delivery, legal basis, purposes and
dates; `valid_to IS NULL` marks values in force; exactly one in-force row per (customer, field)
is `is_current`, chosen by: subject correction, first party, contract priority, match
probability, newest delivery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from lineage_pipeline.contracts import Contract, ContractSet
from lineage_pipeline.ingest import DELIVERY, RECORD_ID
from lineage_pipeline.survivorship import group_codes, sort_rows, text_ranks, valid_to, winners
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
# Columns of the value rows that differ row by row; the rest belong to the row's part.
_ROW_COLUMNS = (
    "customer_id",
    "value",
    "source_record_id",
    "delivery",
    "match_probability",
    "acquired_at",
    "expires_at",
    "run_id",
)

_TEXT_COLUMNS = ("customer_id", "value", "source_record_id", "delivery", "run_id")
_PART_COLUMNS = ("field", "source", "source_kind", "legal_basis", "purposes")


@dataclass(frozen=True)
class SourceValues:
    """The kept records of one source, with their links to customers (None for first party)."""

    contract: Contract
    records: pd.DataFrame
    acquired_at: dict[str, datetime]
    run_ids: dict[str, str]
    links: pd.DataFrame | None = None


@dataclass(frozen=True)
class _Part:
    """What every value row of one (source, field) shares."""

    field: object
    source: str
    source_kind: str
    legal_basis: str
    purposes: object  # the list every row of the part shares (NaN: an unknown field)
    priority: int | None


@dataclass
class _Rows:
    """Value rows as column arrays, in the order the per-source frames used to be stacked."""

    parts: list[_Part] = field(default_factory=list)
    chunks: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {name: [] for name in ("part", *_ROW_COLUMNS)}
    )

    def add(self, parts: list[_Part], part: np.ndarray, **columns: np.ndarray) -> None:
        """Append rows; `part` indexes `parts`."""
        self.chunks["part"].append(part.astype(np.int64) + len(self.parts))
        self.parts.extend(parts)
        for name in _ROW_COLUMNS:
            self.chunks[name].append(columns[name])

    def arrays(self) -> dict[str, np.ndarray]:
        """Each column in one array; the chunks are let go as they are joined."""
        joined = {}
        for name in list(self.chunks):
            chunks = self.chunks.pop(name)
            joined[name] = np.concatenate(chunks) if chunks else np.empty(0)
        return joined


def _objects(items: list) -> np.ndarray:
    """A 1-d object array of `items`, even when they are lists."""
    return np.fromiter(items, dtype=object, count=len(items))


def _stripped(column: pd.Series) -> np.ndarray:
    """As column.fillna("").astype(str).str.strip(), stripping each distinct value once."""
    codes, distinct = pd.factorize(column.fillna("").to_numpy(dtype=object))
    return _objects([(v if type(v) is str else str(v)).strip() for v in distinct])[codes]


def _per_delivery(deliveries: np.ndarray, lookup: dict) -> np.ndarray:
    """lookup[delivery] for every row (missing where the delivery is not in `lookup`)."""
    codes, distinct = pd.factorize(deliveries)
    return pd.Series([*distinct, None], dtype=object).map(lookup).to_numpy()[codes]


def _source_rows(values: SourceValues, rows: _Rows) -> None:
    """Append one source's value rows: every non-empty field value of a linked record."""
    contract, records = values.contract, values.records
    if values.links is None:
        positions = np.arange(len(records))
        customers = records[RECORD_ID].to_numpy(dtype=object)
        probabilities = np.full(len(records), np.nan)
    else:
        keys = records[[DELIVERY, RECORD_ID]].assign(_position=np.arange(len(records)))
        linked = keys.merge(values.links, on=[DELIVERY, RECORD_ID], how="inner")
        positions = linked["_position"].to_numpy()
        customers = linked["customer_id"].to_numpy(dtype=object)
        probabilities = linked["match_probability"].astype(float).to_numpy()
    record_ids = records[RECORD_ID].to_numpy(dtype=object)[positions]
    deliveries = records[DELIVERY].to_numpy(dtype=object)[positions]
    acquired = pd.to_datetime(_per_delivery(deliveries, values.acquired_at)).to_numpy(
        dtype="datetime64[ns]"
    )
    run_ids = _per_delivery(deliveries, values.run_ids).astype(object)
    for name, spec in contract.fields.items():
        if values.links is None and spec.column == "customer_id":
            text = customers  # first-party rows carry their record id as customer_id
        else:
            text = _stripped(records[spec.column])[positions]
        keep = np.flatnonzero(text != "")
        part = _Part(
            name,
            contract.name,
            contract.kind,
            contract.legal_basis,
            list(spec.purposes),
            contract.priority,
        )
        rows.add(
            [part],
            np.zeros(len(keep), dtype=np.int64),
            customer_id=customers[keep],
            value=text[keep],
            source_record_id=record_ids[keep],
            delivery=deliveries[keep],
            match_probability=probabilities[keep],
            acquired_at=acquired[keep],
            expires_at=acquired[keep] + np.timedelta64(spec.retention_days, "D"),
            run_id=run_ids[keep],
        )


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


def _correction_rows(corrections: pd.DataFrame, contracts: ContractSet, rows: _Rows) -> None:
    """Append the subject corrections' value rows, one part per corrected field."""
    frame = correction_observations(corrections, contracts)
    if frame.empty:
        return
    codes, names = pd.factorize(frame["field"].to_numpy(dtype=object))
    purposes = frame["purposes"].to_numpy(dtype=object)
    first = pd.Series(np.arange(len(codes))).groupby(codes).first()
    parts = [
        _Part(
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
            _Part(np.nan, SUBJECT_REQUEST, SUBJECT_REQUEST, CORRECTION_LEGAL_BASIS, np.nan, None)
        )
        codes = np.where(codes < 0, len(names), codes)
    rows.add(
        parts,
        codes,
        **{name: frame[name].to_numpy(dtype=object) for name in _TEXT_COLUMNS},
        match_probability=frame["match_probability"].to_numpy(dtype=float),
        acquired_at=frame["acquired_at"].to_numpy(dtype="datetime64[ns]"),
        expires_at=frame["expires_at"].to_numpy(dtype="datetime64[ns]"),
    )


def _survivor_mask(
    group: np.ndarray,
    ranks: list[pd.Series],
    source: np.ndarray,
    record_id: np.ndarray,
    in_force: np.ndarray,
) -> np.ndarray:
    """The winner of each (customer, field) group among in-force rows, as positions: the
    lowest `ranks` (kind, priority, probability, recency), then source and source record id
    (text order), then row order."""
    columns = [rank.to_numpy()[in_force] for rank in ranks]
    columns.append(text_ranks(source)[in_force])
    return in_force[winners(group[in_force], columns, record_id[in_force])]


def _ranks(
    kind: pd.Series, priority: pd.Series, probability: pd.Series, acquired_at: pd.Series
) -> list[pd.Series]:
    """Survivorship ranks, lowest wins: subject correction, then first party; contract
    priority; match probability; newest delivery."""
    return [
        kind.map(_KIND_RANK).fillna(np.inf),
        priority.astype(float).fillna(np.inf),
        -probability.fillna(1.0),
        -acquired_at.astype("int64"),
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
            rows["source_kind"], rows["priority"], rows["match_probability"], rows["acquired_at"]
        ),
        rows["source"].to_numpy(dtype=object),
        rows["source_record_id"].to_numpy(dtype=object),
        np.flatnonzero(rows["valid_to"].isna().to_numpy()),
    )
    return rows.index.isin(rows.index[chosen])


def _history(rows: dict[str, np.ndarray], group: np.ndarray, now: datetime) -> np.ndarray:
    """valid_to: a newer delivery of the same source replaces older values; expired values
    end when they expire."""
    ends = valid_to(group, rows["acquired_at"])
    expires = rows["expires_at"]
    expired = expires <= np.datetime64(now, "ns")
    earlier = np.where(np.isnat(ends), expires, np.minimum(ends, expires))
    return np.where(expired, earlier, ends)


def customer_fields(
    sources: list[SourceValues],
    corrections: pd.DataFrame,
    contracts: ContractSet,
    now: datetime,
    grace: timedelta,
) -> pd.DataFrame:
    """Every value held, with provenance and history; survivors marked `is_current`."""
    collected = _Rows()
    for values in sources:
        _source_rows(values, collected)
    _correction_rows(corrections, contracts, collected)
    rows = collected.arrays()
    if not len(rows["part"]):
        return pd.DataFrame(columns=FIELD_COLUMNS)
    kept = np.flatnonzero(rows["expires_at"] >= np.datetime64(now - grace, "ns"))
    if len(kept) < len(rows["part"]):
        rows = {name: column[kept] for name, column in rows.items()}
    parts, part = collected.parts, rows.pop("part")

    def per_part(attribute: str) -> np.ndarray:
        return _objects([getattr(p, attribute) for p in parts])

    field_rank = text_ranks(per_part("field"))[part]
    source_rank = text_ranks(per_part("source"))[part]
    customer = text_ranks(rows["customer_id"])  # groups customers, and orders them
    ends = _history(rows, group_codes(customer, part), now)
    ranks = _ranks(
        pd.Series(per_part("source_kind")[part]),
        pd.Series(per_part("priority")[part], dtype=object),
        pd.Series(rows["match_probability"]),
        pd.Series(rows["acquired_at"]),
    )
    current = _survivor_mask(
        group_codes(customer, field_rank),
        ranks,
        per_part("source")[part],
        rows["source_record_id"],
        np.flatnonzero(np.isnat(ends)),
    )
    del ranks
    is_current = np.zeros(len(part), dtype=bool)
    is_current[current] = True
    order = sort_rows(
        [customer, field_rank, source_rank, rows["acquired_at"]], rows["source_record_id"]
    )
    del customer, field_rank, source_rank
    part = part[order]
    other = {
        "match_probability": rows.pop("match_probability")[order],
        "acquired_at": rows["acquired_at"][order],
        "expires_at": rows.pop("expires_at")[order],
        "valid_from": rows.pop("acquired_at")[order],
        "valid_to": ends[order],
        "is_current": is_current[order],
    }
    text = [name for name in FIELD_COLUMNS if name not in other]
    # Text columns go straight into one block, each let go once placed: the peak stays near
    # the output's own size, and the frame comes out consolidated, as later steps expect.
    block = np.empty((len(text), len(order)), dtype=object)
    for position, name in enumerate(text):
        block[position] = per_part(name)[part] if name in _PART_COLUMNS else rows.pop(name)[order]
    frame = pd.DataFrame(block.T, columns=text, copy=False)
    for position, name in enumerate(FIELD_COLUMNS):
        if name in other:
            frame.insert(position, name, other[name])
    return frame


def customers_table(
    fields: pd.DataFrame, customer_ids: pd.Series, field_names: list[str]
) -> pd.DataFrame:
    """One row per customer, one column per field, holding the surviving value."""
    current = np.flatnonzero(fields["is_current"].to_numpy(dtype=bool))
    customers = fields["customer_id"].to_numpy(dtype=object)[current]
    names = fields["field"].to_numpy(dtype=object)[current]
    ids = sorted(set(customer_ids))
    rows = pd.Index(ids).get_indexer(customers)
    columns = pd.Index(field_names).get_indexer(names)
    if _repeated_pairs(rows, columns, customers, names):
        # Two current values for one customer and field: pivot names the problem.
        fields[fields["is_current"]].pivot(index="customer_id", columns="field", values="value")
    values = fields["value"].to_numpy(dtype=object)[current]
    found = (rows >= 0) & (columns >= 0)
    wide = np.full((len(ids), len(field_names) + 1), None, dtype=object)
    wide[:, 0] = ids
    wide[rows[found], columns[found] + 1] = np.where(pd.isna(values[found]), None, values[found])
    return pd.DataFrame(wide, columns=["customer_id", *field_names])


def _repeated_pairs(
    rows: np.ndarray, columns: np.ndarray, customers: np.ndarray, names: np.ndarray
) -> bool:
    """Whether a (customer, field) pair occurs twice; rows and columns locate known ones."""
    if (rows < 0).any() or (columns < 0).any():
        rows, columns = pd.factorize(customers)[0] + 1, pd.factorize(names)[0] + 1
    pairs = rows.astype(np.int64) * (int(columns.max(initial=0)) + 1) + columns
    return bool(len(pairs)) and bool((np.bincount(pairs) > 1).any())
