"""Invariants GX cannot say simply: stage results in, one QualityResult per invariant out.

They span tables or need the contracts, the clock or the suppressions: purposes within the
taxonomy and the contract, nothing current past its expiry, links at or above their contract's
threshold, nothing held for an erased subject, `customers` equal to the current values, and
every delivery row accounted for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from lineage_pipeline.contracts import ContractSet
from lineage_pipeline.ingest import RECORD_ID, SourceRecords
from lineage_pipeline.privacy.subject_keys import customer_key, hashed_identity_keys
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
    """How many rows the mask flags, and a few of them described."""
    return int(mask.sum()), [describe(row) for row in frame[mask].head(SAMPLE).itertuples()]


def _value(row: Any) -> str:
    return f"{row.customer_id}.{row.field} from {row.source} record {row.source_record_id}"


def purposes_in_taxonomy(fields: pd.DataFrame, contracts: ContractSet, asset: str) -> QualityResult:
    known = set(contracts.taxonomy.purposes)
    mask = fields["purposes"].map(lambda p: p is None or len(p) == 0 or not set(p) <= known)
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


def purposes_granted(fields: pd.DataFrame, contracts: ContractSet, asset: str) -> QualityResult:
    granted = _granted(contracts)
    keys = zip(fields["source"], fields["field"], fields["purposes"], strict=True)
    mask = pd.Series(
        [not set(p if p is not None else []) <= granted.get((s, f), set()) for s, f, p in keys],
        index=fields.index,
        dtype=bool,
    )
    bad = _sample(fields, mask, lambda r: f"{_value(r)}: {list(r.purposes or [])}")
    expected = "purposes within the contract's fields.<field>.purposes"
    return _counted(PURPOSES_GRANTED, asset, bad, len(fields), expected)


def nothing_expired(fields: pd.DataFrame, now: datetime, asset: str) -> QualityResult:
    mask = fields["valid_to"].isna() & (pd.to_datetime(fields["expires_at"]) <= now)
    bad = _sample(fields, mask, lambda r: f"{_value(r)} expired {r.expires_at}")
    expected = f"every value in force expires after {now.isoformat(sep=' ')}"
    return _counted(NOTHING_EXPIRED, asset, bad, int(fields["valid_to"].isna().sum()), expected)


def thresholds_met(fields: pd.DataFrame, contracts: ContractSet, asset: str) -> QualityResult:
    third = fields[fields["source_kind"].isin(THIRD_PARTY_KINDS)]
    threshold = third["source"].map({c.name: c.match.threshold for c in contracts.third_party})
    probability = third["match_probability"].astype(float)
    mask = ~(probability.between(0.0, 1.0) & (probability >= threshold))
    bad = _sample(
        third, mask, lambda r: f"{_value(r)}: p={r.match_probability} < {threshold[r.Index]}"
    )
    expected = "0 <= match_probability <= 1 and >= the source's match.threshold"
    return _counted(THRESHOLDS_MET, asset, bad, len(third), expected)


def erased_customers(
    customer_ids: Iterable[str],
    salt: str,
    erased_keys: set[str],
    customer_identities: pd.DataFrame | None = None,
) -> set[str]:
    """Customers whose id, or an identity key of their first-party record, is suppressed."""
    if not erased_keys:
        return set()
    erased = {c for c in set(customer_ids) if customer_key(salt, c) in erased_keys}
    if customer_identities is not None and not customer_identities.empty:
        keys = hashed_identity_keys(customer_identities, salt, first_party=True)
        rows = keys.loc[keys["subject_key"].isin(erased_keys), "row"]
        erased |= set(customer_identities.loc[rows, RECORD_ID])
    return erased


def nothing_for_erased(
    fields: pd.DataFrame,
    salt: str,
    erased_keys: set[str],
    asset: str,
    customer_identities: pd.DataFrame | None = None,
) -> QualityResult:
    third = fields[fields["source_kind"].isin(THIRD_PARTY_KINDS)]
    erased = erased_customers(third["customer_id"], salt, erased_keys, customer_identities)
    mask = third["customer_id"].isin(erased)
    bad = _sample(third, mask, _value)
    expected = f"no third-party value for the {len(erased_keys)} suppressed subject keys"
    return _counted(NOTHING_FOR_ERASED, asset, bad, len(third), expected)


def customers_agree(customers: pd.DataFrame, fields: pd.DataFrame, asset: str) -> QualityResult:
    current = fields[fields["is_current"].astype(bool)]
    expected_cells = current.set_index(["customer_id", "field"])["value"]
    columns = [c for c in customers.columns if c != "customer_id"]
    shown = customers.melt(id_vars="customer_id", value_vars=columns, var_name="field")
    shown = shown.set_index(["customer_id", "field"])["value"]
    both = pd.concat({"shown": shown, "current": expected_cells}, axis=1)
    differs = both["shown"].fillna("\0") != both["current"].fillna("\0")
    sample = [
        f"{customer}.{field}: customers has {both.at[(customer, field), 'shown']!r}, current "
        f"value {both.at[(customer, field), 'current']!r}"
        for customer, field in both.index[differs][:SAMPLE]
    ]
    expected = "customers = pivot of customer_fields where is_current"
    return _counted(CUSTOMERS_AGREE, asset, (int(differs.sum()), sample), len(both), expected)


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
