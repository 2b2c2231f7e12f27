"""Subject keys: standardised identities in, salted hashes of each record's identity keys out.

Suppressions store only these hashes, never raw identifiers, yet any later record carrying the
same email, phone, name with date of birth, or customer id is recognised and kept out.
"""

from __future__ import annotations

import hashlib
import re
import secrets

import pandas as pd

from lineage_pipeline.ingest import RECORD_ID
from lineage_pipeline.standardise import email_key, phone_key

SALT_KEY = "subject_key_salt"


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_key(salt: str, key: str) -> str:
    return hashlib.sha256(f"{salt}|{key}".encode()).hexdigest()


def customer_key(salt: str, customer_id: str) -> str:
    """The hashed key naming a customer in suppressions and privacy_requests."""
    return hash_key(salt, f"customer:{customer_id}")


def identity_keys(identities: pd.DataFrame, first_party: bool) -> pd.DataFrame:
    """Raw (unhashed) identity keys per record: columns `row`, `key`."""
    parts = []
    for field in ("email", "phone"):
        if field in identities:
            values = identities[field].dropna()
            parts.append(pd.DataFrame({"row": values.index, "key": f"{field}:" + values}))
    if {"given_name", "surname", "date_of_birth"} <= set(identities.columns):
        trio = identities[["given_name", "surname", "date_of_birth"]].dropna()
        joined = trio["given_name"] + "|" + trio["surname"] + "|" + trio["date_of_birth"]
        parts.append(pd.DataFrame({"row": trio.index, "key": "name_dob:" + joined}))
    if first_party:
        ids = identities[RECORD_ID]
        parts.append(pd.DataFrame({"row": ids.index, "key": "customer:" + ids}))
    if not parts:
        return pd.DataFrame({"row": [], "key": []})
    return pd.concat(parts, ignore_index=True)


def hashed_identity_keys(identities: pd.DataFrame, salt: str, first_party: bool) -> pd.DataFrame:
    keys = identity_keys(identities, first_party)
    keys["subject_key"] = [hash_key(salt, k) for k in keys["key"]]
    return keys.drop(columns="key")


def suppressed_rows(
    identities: pd.DataFrame, salt: str, erased_keys: set[str], first_party: bool
) -> pd.Series:
    """Boolean mask of records that belong to an erased subject."""
    if not erased_keys or identities.empty:
        return pd.Series(False, index=identities.index)
    keys = hashed_identity_keys(identities, salt, first_party)
    hit = keys.loc[keys["subject_key"].isin(erased_keys), "row"]
    return pd.Series(identities.index.isin(hit), index=identities.index)


def erased_by_identity(identities: pd.DataFrame, salt: str, erased_keys: set[str]) -> frozenset:
    """The customer ids of first-party records carrying an erased identity key."""
    if not erased_keys or identities.empty:
        return frozenset()
    erased = suppressed_rows(identities, salt, erased_keys, first_party=True)
    return frozenset(identities.loc[erased.to_numpy(), RECORD_ID])


_RAW_SPLIT = re.compile(r"[,;\t|]")


def raw_row_keys(raw: str, first_party: bool, region: str | None) -> set[str]:
    """Raw identity keys readable from a rejected row's text (quarantine `raw`): emails, phone
    numbers and, for the first party, a token that may be the customer id."""
    keys: set[str] = set()
    for token in (t.strip() for t in _RAW_SPLIT.split(raw or "")):
        if not token:
            continue
        if first_party:
            keys.add(f"customer:{token}")
        if "@" in token and (email := email_key(token)):
            keys.add(f"email:{email}")
        if sum(ch.isdigit() for ch in token) >= 7 and (phone := phone_key(token, region)):
            keys.add(f"phone:{phone}")
    return keys


def suppressed_quarantine(
    quarantine: pd.DataFrame,
    salt: str,
    erased_keys: set[str],
    first_party: bool,
    region: str | None,
) -> pd.Series:
    """Boolean mask of quarantined rows whose raw text carries an erased subject's key, so a
    rejected row of an erased person never re-enters the warehouse either."""
    if not erased_keys or quarantine.empty:
        return pd.Series(False, index=quarantine.index)
    return (
        quarantine["raw"]
        .map(
            lambda raw: any(
                hash_key(salt, k) in erased_keys
                for k in raw_row_keys(str(raw), first_party, region)
            )
        )
        .astype(bool)
    )
