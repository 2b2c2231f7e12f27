"""Value rows: each source's kept records and links in, the rows of `customer_fields` out as
integer columns (codes, pool positions) with the parts (source, field) they belong to.

Invariant: rows come in the order the per-source frames were once stacked (source by source,
field by field, record order), which the survivorship tie-break relies on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from lineage_pipeline.coded import Dictionary, Pool, shifted
from lineage_pipeline.contracts import Contract
from lineage_pipeline.ingest import DELIVERY, RECORD_ID
from lineage_pipeline.narrow import narrow
from lineage_pipeline.text_bulk import objects

# Columns of the value rows held per row; the rest belong to the row's part. The coded ones
# are held as codes into their values (few distinct values: hashing them per row is waste).
ROW_COLUMNS = ("match_probability", "acquired_at", "expires_at")
CODED_COLUMNS = ("customer_id", "delivery", "run_id")
# Held as positions into pools of their values: looked up once, for the rows kept, in order.
POOLED_COLUMNS = ("value", "source_record_id")


@dataclass(frozen=True)
class SourceValues:
    """The kept records of one source, with their links to customers (None for first party)."""

    contract: Contract
    records: pd.DataFrame
    acquired_at: dict[str, datetime]
    run_ids: dict[str, str]
    links: pd.DataFrame | None = None


@dataclass(frozen=True)
class Part:
    """What every value row of one (source, field) shares."""

    field: object
    source: str
    source_kind: str
    legal_basis: str
    purposes: object  # the list every row of the part shares (NaN: an unknown field)
    priority: int | None


@dataclass
class Rows:
    """Value rows as column arrays, in the order the per-source frames used to be stacked."""

    parts: list[Part] = field(default_factory=list)
    chunks: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {
            name: [] for name in ("part", *ROW_COLUMNS, *CODED_COLUMNS, *POOLED_COLUMNS)
        }
    )
    dictionaries: dict[str, Dictionary] = field(
        default_factory=lambda: {name: Dictionary() for name in CODED_COLUMNS}
    )
    pools: dict[str, Pool] = field(
        default_factory=lambda: {name: Pool() for name in POOLED_COLUMNS}
    )

    def add(self, parts: list[Part], part: np.ndarray, **columns: np.ndarray) -> None:
        """Append rows; `part` indexes `parts`, coded columns are shifted codes, pooled ones
        positions into their pool. Codes and positions are kept in the narrowest integer type
        that holds them: at ten million rows, six int64 columns alone held half a gigabyte more
        at the merge's peak."""
        self.chunks["part"].append(_narrowed(part.astype(np.int64) + len(self.parts)))
        self.parts.extend(parts)
        for name in ROW_COLUMNS:
            self.chunks[name].append(columns[name])
        for name in (*CODED_COLUMNS, *POOLED_COLUMNS):
            self.chunks[name].append(_narrowed(columns[name]))

    def arrays(self) -> dict[str, np.ndarray]:
        """Each column in one array; the chunks are let go as they are joined."""
        joined = {}
        for name in list(self.chunks):
            chunks = self.chunks.pop(name)
            joined[name] = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int64)
        return joined


def _narrowed(codes: np.ndarray) -> np.ndarray:
    return narrow(codes, int(codes.max(initial=0)))


def _stripped(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """As column.fillna("").astype(str).str.strip(), stripping each distinct value once: the
    rows' codes and the stripped distinct values."""
    codes, distinct = pd.factorize(column.to_numpy(dtype=object))  # missing: -1, the last
    stripped = [(v if type(v) is str else str(v)).strip() for v in distinct]
    return codes, objects([*stripped, ""])


def _per_delivery(distinct: pd.Index, lookup: dict) -> pd.Series:
    """lookup[delivery] for each distinct delivery, and missing for code -1 (the last)."""
    return pd.Series([*distinct, None], dtype=object).map(lookup)


def source_rows(values: SourceValues, rows: Rows) -> None:
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
        del keys, linked
    record_ids = records[RECORD_ID].to_numpy(dtype=object)[positions]
    delivery, deliveries = pd.factorize(records[DELIVERY].to_numpy(dtype=object)[positions])
    with_missing = np.where(delivery >= 0, delivery, len(deliveries))
    acquired = pd.to_datetime(_per_delivery(deliveries, values.acquired_at)).to_numpy(
        dtype="datetime64[ns]"
    )[with_missing]
    customer, distinct_customers = pd.factorize(customers)
    coded = {
        "customer_id": shifted(customer, rows.dictionaries["customer_id"].add(distinct_customers)),
        "delivery": shifted(delivery, rows.dictionaries["delivery"].add(deliveries)),
        "run_id": with_missing
        + rows.dictionaries["run_id"].add(_per_delivery(deliveries, values.run_ids)),
    }
    del customer, delivery, with_missing
    record_start = rows.pools["source_record_id"].add(record_ids)
    for name, spec in contract.fields.items():
        if values.links is None and spec.column == "customer_id":
            # First-party rows carry their record id as customer_id.
            keep = np.flatnonzero(customers != "")
            text = keep + rows.pools["value"].add(customers)
        else:
            codes, distinct = _stripped(records[spec.column])
            codes = codes[positions]
            keep = np.flatnonzero((distinct != "")[codes])
            text = codes[keep] + rows.pools["value"].add(distinct)
            del codes
        part = Part(
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
            value=text,
            source_record_id=keep + record_start,
            match_probability=probabilities[keep],
            acquired_at=acquired[keep],
            expires_at=acquired[keep] + np.timedelta64(spec.retention_days, "D"),
            **{column: codes_of[keep] for column, codes_of in coded.items()},
        )
