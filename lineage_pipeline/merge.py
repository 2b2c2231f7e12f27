"""Merge: kept records and accepted links in, `customer_fields` (values with provenance and
history) and `customers` (one surviving value per field) out.

Invariant: every value row carries its source, record, delivery, legal basis, purposes and
dates; `valid_to IS NULL` marks values in force; exactly one in-force row per (customer, field)
is `is_current`, chosen by: subject correction, first party, contract priority, match
probability, newest delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from lineage_pipeline.contracts import Contract, ContractSet
from lineage_pipeline.ingest import DELIVERY, RECORD_ID
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


@dataclass(frozen=True)
class SourceValues:
    """The kept records of one source, with their links to customers (None for first party)."""

    contract: Contract
    records: pd.DataFrame
    acquired_at: dict[str, datetime]
    run_ids: dict[str, str]
    links: pd.DataFrame | None = None


def observations(values: SourceValues) -> pd.DataFrame:
    """One row per (customer, field, source record) with every provenance column."""
    contract, records = values.contract, values.records
    if values.links is None:
        linked = records.assign(customer_id=records[RECORD_ID], match_probability=float("nan"))
    else:
        linked = records.merge(values.links, on=[DELIVERY, RECORD_ID], how="inner")
    frames = []
    for name, spec in contract.fields.items():
        value = linked[spec.column].fillna("").astype(str).str.strip()
        part = pd.DataFrame(
            {
                "customer_id": linked["customer_id"],
                "field": name,
                "value": value,
                "source": contract.name,
                "source_kind": contract.kind,
                "source_record_id": linked[RECORD_ID],
                "delivery": linked[DELIVERY],
                "match_probability": linked["match_probability"].astype(float),
                "legal_basis": contract.legal_basis,
                "purposes": [list(spec.purposes)] * len(linked),
                "acquired_at": linked[DELIVERY].map(values.acquired_at),
                "run_id": linked[DELIVERY].map(values.run_ids),
                "priority": contract.priority,
                "retention_days": spec.retention_days,
            }
        )
        frames.append(part[part["value"] != ""])
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    out["expires_at"] = out["acquired_at"] + pd.to_timedelta(out.pop("retention_days"), unit="D")
    return out


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


def _history(rows: pd.DataFrame, now: datetime, grace: timedelta) -> pd.DataFrame:
    """Set valid_from/valid_to: a newer delivery of the same source replaces older values."""
    rows = rows[rows["expires_at"] >= now - grace].copy()
    key = ["customer_id", "field", "source"]
    versions = rows[[*key, "acquired_at"]].drop_duplicates().sort_values([*key, "acquired_at"])
    versions["valid_to"] = versions.groupby(key)["acquired_at"].shift(-1)
    rows = rows.merge(versions, on=[*key, "acquired_at"], how="left")
    rows["valid_from"] = rows["acquired_at"]
    expired = rows["expires_at"] <= now
    rows.loc[expired, "valid_to"] = rows.loc[expired, ["valid_to", "expires_at"]].min(axis=1)
    return rows


def survivors(rows: pd.DataFrame) -> pd.Series:
    """The survivorship rule over in-force rows (they need a `priority` column): a boolean mask
    of the winner per (customer, field). Privacy operations re-apply it to the published
    warehouse after a correction or a retention sweep, exactly as a run would."""
    return _survivors(rows)


def _survivors(rows: pd.DataFrame) -> pd.Series:
    in_force = rows["valid_to"].isna()
    ranked = rows.assign(
        kind_rank=rows["source_kind"].map(_KIND_RANK),
        priority_rank=rows["priority"].astype(float).fillna(float("inf")),
        probability_rank=-rows["match_probability"].fillna(1.0),
        recency_rank=-rows["acquired_at"].astype("int64"),
    )[in_force].sort_values(
        [
            "customer_id",
            "field",
            "kind_rank",
            "priority_rank",
            "probability_rank",
            "recency_rank",
            "source",
            "source_record_id",
        ]
    )
    winners = ranked.drop_duplicates(["customer_id", "field"]).index
    return rows.index.isin(winners)


def customer_fields(
    sources: list[SourceValues],
    corrections: pd.DataFrame,
    contracts: ContractSet,
    now: datetime,
    grace: timedelta,
) -> pd.DataFrame:
    """Every value held, with provenance and history; survivors marked `is_current`."""
    frames = [observations(values) for values in sources]
    frames.append(correction_observations(corrections, contracts))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=FIELD_COLUMNS)
    rows = _history(pd.concat(frames, ignore_index=True), now, grace)
    rows["is_current"] = _survivors(rows)
    rows = rows.sort_values(["customer_id", "field", "source", "valid_from", "source_record_id"])
    return rows[FIELD_COLUMNS].reset_index(drop=True)


def customers_table(
    fields: pd.DataFrame, customer_ids: pd.Series, field_names: list[str]
) -> pd.DataFrame:
    """One row per customer, one column per field, holding the surviving value."""
    current = fields[fields["is_current"]]
    wide = current.pivot(index="customer_id", columns="field", values="value")
    ids = pd.Index(sorted(set(customer_ids)), name="customer_id")
    wide = wide.reindex(index=ids, columns=field_names)
    wide.columns.name = None
    return wide.reset_index().astype(object).where(lambda f: f.notna(), None)
