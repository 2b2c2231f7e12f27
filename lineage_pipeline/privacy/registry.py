"""Registry: which warehouse tables hold personal data, and how a person's rows are found.

Input: a table name. Output: how `export` selects the person's rows and what `erase` does with
them. Invariant: every table the warehouse can hold is listed here, as personal or not, with the
reason; tests enumerate the live catalogue and fail on a table missing from this registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class KeyedBy(StrEnum):
    """How a person's rows are recognised in a table."""

    CUSTOMER_ID = "customer_id"  # a customer_id column equals the person's id
    SUBJECT_KEY = "subject_key"  # a salted hash of one of the person's identity keys
    EVIDENCE = "customer_id or linked source record"  # match candidates of them or of their records
    RAW_ROW = "raw row tokens"  # a quarantined delivery row carrying their email, phone or id


class OnErase(StrEnum):
    DELETE = "delete"
    KEEP_HASHED = "keep (hashed key only; proves the request was honoured)"
    DELETE_RESTRICTIONS = "delete restrictions; add erasure keys"


@dataclass(frozen=True)
class PersonalTable:
    table: str
    keyed_by: KeyedBy
    on_erase: OnErase
    holds: str


PERSONAL_TABLES: dict[str, PersonalTable] = {
    t.table: t
    for t in (
        PersonalTable(
            "customer_fields",
            KeyedBy.CUSTOMER_ID,
            OnErase.DELETE,
            "every value held about the person, current and history",
        ),
        PersonalTable(
            "customers", KeyedBy.CUSTOMER_ID, OnErase.DELETE, "the person's current profile"
        ),
        PersonalTable(
            "match_evidence",
            KeyedBy.EVIDENCE,
            OnErase.DELETE,
            "third-party records scored against the person, with comparison details",
        ),
        PersonalTable(
            "corrections", KeyedBy.CUSTOMER_ID, OnErase.DELETE, "values the person corrected"
        ),
        PersonalTable(
            "quarantine",
            KeyedBy.RAW_ROW,
            OnErase.DELETE,
            "rejected delivery rows (raw text) that carry the person's identifiers",
        ),
        PersonalTable(
            "suppressions",
            KeyedBy.SUBJECT_KEY,
            OnErase.DELETE_RESTRICTIONS,
            "the person's restrictions and erasure, by salted hash",
        ),
        PersonalTable(
            "privacy_requests",
            KeyedBy.SUBJECT_KEY,
            OnErase.KEEP_HASHED,
            "the person's privacy requests, by salted hash",
        ),
    )
}

# Tables that hold no data about a person, and why.
NON_PERSONAL_TABLES: dict[str, str] = {
    "sources": "contract terms per field",
    "purposes": "the purpose taxonomy",
    "deliveries": "one row per file: path, checksum and row counts",
    "match_weights": "the linkage model's parameters per source and field",
    "runs": "run times and aggregate counts",
    "quality_results": "expectation outcomes per run and column",
    "warehouse_settings": "the subject-key salt",
}


def unregistered(tables: list[str]) -> list[str]:
    """Tables present in a warehouse that this registry does not classify."""
    known = set(PERSONAL_TABLES) | set(NON_PERSONAL_TABLES)
    return sorted(t for t in tables if t not in known)
