"""Subject: a customer id and the published warehouse in, the person's identities and keys out.

The identities are the standardised email, phone, names and date of birth found in the person's
values in the warehouse and, when asked, in the delivery records linked to them (their own
first-party record and every third-party person record accepted for them). Invariant: the raw
identities stay in memory; only their salted hashes (`keys`) are ever written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from lineage_pipeline.contracts import Contract, ContractSet
from lineage_pipeline.errors import LineageError
from lineage_pipeline.ingest import DELIVERY, RECORD_ID, ingest_source
from lineage_pipeline.privacy.subject_keys import (
    SALT_KEY,
    customer_key,
    hash_key,
    identity_keys,
    raw_row_keys,
)
from lineage_pipeline.standardise import email_key, name_key, parse_date, phone_key, standardise

_PERSON_FIELDS = ("given_name", "surname", "date_of_birth", "email", "phone")


@dataclass(frozen=True)
class Subject:
    """One person: their customer id, standardised identities and hashed keys."""

    customer_id: str
    salt: str
    customer_key: str
    keys: frozenset[str]
    identities: pd.DataFrame
    linked_records: pd.DataFrame  # source, source_record_id: person records linked to them


def salt_of(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT value FROM warehouse_settings WHERE key = ?", [SALT_KEY]).fetchone()
    if row is None:
        raise LineageError("the warehouse has no subject-key salt; run the pipeline first")
    return str(row[0])


def _require_customer(con: duckdb.DuckDBPyConnection, customer_id: str, salt: str) -> None:
    found = con.execute(
        "SELECT (SELECT count(*) FROM customers WHERE customer_id = $id) "
        "+ (SELECT count(*) FROM customer_fields WHERE customer_id = $id)",
        {"id": customer_id},
    ).fetchone()[0]
    if found:
        return
    erased = con.execute(
        "SELECT max(completed_at) FROM privacy_requests WHERE kind = 'erase' AND subject_key = ?",
        [customer_key(salt, customer_id)],
    ).fetchone()[0]
    if erased is not None:
        raise LineageError(
            f"customer {customer_id} was erased on {erased:%Y-%m-%d %H:%M}; the warehouse holds "
            "nothing about them but salted hashes that keep them erased"
        )
    raise LineageError(f"no customer {customer_id!r} in the warehouse")


def linked_records(con: duckdb.DuckDBPyConnection, customer_id: str) -> pd.DataFrame:
    """Third-party person records accepted as this customer (organisation records are not them)."""
    return con.execute(
        "SELECT DISTINCT e.source, e.source_record_id, e.delivery FROM match_evidence e "
        "WHERE e.customer_id = ? AND e.decision = 'accepted' AND e.source IN "
        "(SELECT source FROM sources WHERE coalesce(match_entity, 'person') = 'person')",
        [customer_id],
    ).df()


def _region(contracts: ContractSet | None, source: str) -> str | None:
    if contracts is None:
        return None
    try:
        return contracts.get(source).standardise.default_region
    except LineageError:
        return contracts.first_party.standardise.default_region


def _warehouse_identities(
    con: duckdb.DuckDBPyConnection, customer_id: str, contracts: ContractSet | None
) -> pd.DataFrame:
    """Identity values among the person's held values, one row per source record."""
    rows = con.execute(
        "SELECT source, source_record_id, field, value FROM customer_fields "
        "WHERE customer_id = ? AND field IN (SELECT unnest(?::VARCHAR[])) "
        "UNION ALL SELECT 'subject_request', request_id, field, value FROM corrections "
        "WHERE customer_id = ? AND field IN (SELECT unnest(?::VARCHAR[]))",
        [customer_id, list(_PERSON_FIELDS), customer_id, list(_PERSON_FIELDS)],
    ).df()
    out = []
    for (source, _), group in rows.groupby(["source", "source_record_id"]):
        raw = dict(zip(group["field"], group["value"], strict=True))
        dob = parse_date(raw["date_of_birth"]) if raw.get("date_of_birth") else None
        out.append(
            {
                RECORD_ID: customer_id,
                "given_name": name_key(raw["given_name"]) if raw.get("given_name") else None,
                "surname": name_key(raw["surname"]) if raw.get("surname") else None,
                "date_of_birth": dob.isoformat() if dob else None,
                "email": email_key(raw["email"]) if raw.get("email") else None,
                "phone": phone_key(raw["phone"], _region(contracts, source))
                if raw.get("phone")
                else None,
            }
        )
    return pd.DataFrame(out, columns=[RECORD_ID, *_PERSON_FIELDS])


def _delivery_identities(
    contract: Contract, wanted: set[tuple[str, str]], now: datetime
) -> pd.DataFrame:
    """Standardised identities of this source's records named by (delivery, record id); the
    first party's by record id alone (the customer id), in every delivery."""
    records = ingest_source(contract, now).records
    if contract.is_first_party:
        mask = records[RECORD_ID].isin({r for _, r in wanted})
    else:
        pairs = zip(records[DELIVERY], records[RECORD_ID], strict=True)
        mask = pd.Series([pair in wanted for pair in pairs], index=records.index)
    identities, _ = standardise(records[mask].reset_index(drop=True), contract, now.date())
    return identities


def load_subject(
    con: duckdb.DuckDBPyConnection,
    customer_id: str,
    contracts: ContractSet | None = None,
    now: datetime | None = None,
) -> Subject:
    """The person behind `customer_id`; with `contracts` and `now`, their delivery records too."""
    salt = salt_of(con)
    _require_customer(con, customer_id, salt)
    linked = linked_records(con, customer_id)
    frames = [_warehouse_identities(con, customer_id, contracts)]
    if contracts is not None and now is not None:
        first = contracts.first_party
        frames.append(_delivery_identities(first, {("", customer_id)}, now))
        for contract in contracts.third_party:
            mine = linked[linked["source"] == contract.name]
            if not mine.empty:
                wanted = set(zip(mine["delivery"], mine["source_record_id"], strict=True))
                frames.append(_delivery_identities(contract, wanted, now))
    identities = pd.concat([f for f in frames if not f.empty] or frames, ignore_index=True)
    identities = identities.reindex(columns=[RECORD_ID, *_PERSON_FIELDS]).reset_index(drop=True)
    raw_keys = set(identity_keys(identities, first_party=False)["key"])
    own = customer_key(salt, customer_id)
    keys = frozenset({own, *(hash_key(salt, k) for k in raw_keys)})
    return Subject(customer_id, salt, own, keys, identities, linked[["source", "source_record_id"]])


def tied_to(raw: str, source_is_first_party: bool, subject: Subject, region: str | None) -> bool:
    """True when a quarantined raw row carries one of the person's keys (email, phone, id)."""
    keys = raw_row_keys(raw, source_is_first_party, region)
    return any(hash_key(subject.salt, k) in subject.keys for k in keys)
