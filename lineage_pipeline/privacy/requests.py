"""Request log: a completed privacy operation in, a `privacy_requests` row (and receipt) out.

Invariant: the log holds request id, kind, the salted hash of the subject's customer key, the
scope, times and row counts; never a raw identifier, a field value or a purpose-free note.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from lineage_pipeline.privacy.rebuild import Plan

LOG_QUERY = (
    "SELECT * FROM old.main.privacy_requests "
    "UNION ALL BY NAME SELECT * FROM incoming_privacy_request"
)
KINDS = ("access", "erase", "restrict", "correct", "retention")


def new_request_id(kind: str, now: datetime) -> str:
    return f"{kind}-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


@dataclass
class Receipt:
    """What an operation did: rows removed (negative) or added per table, plus a summary."""

    request_id: str
    kind: str
    requested_at: datetime
    completed_at: datetime | None = None
    scope: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "request_id": self.request_id,
            "kind": self.kind,
            "scope": self.scope,
            "requested_at": self.requested_at.isoformat(),
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "counts": self.counts,
            "notes": self.notes,
        }


def log_row(receipt: Receipt, subject_key: str | None) -> pd.DataFrame:
    """The `privacy_requests` row for a receipt (completed_at is the swap time)."""
    return pd.DataFrame(
        [
            {
                "request_id": receipt.request_id,
                "kind": receipt.kind,
                "subject_key": subject_key,
                "scope": receipt.scope,
                "requested_at": receipt.requested_at,
                "completed_at": receipt.completed_at or receipt.requested_at,
                "counts": json.dumps(receipt.counts, sort_keys=True),
            }
        ]
    ).astype({"subject_key": object, "scope": object})


def add_log(plan: Plan, receipt: Receipt, subject_key: str | None) -> Plan:
    """Extend a rebuild plan so the new file also holds this request's log row."""
    plan.frames["incoming_privacy_request"] = log_row(receipt, subject_key)
    plan.queries["privacy_requests"] = (LOG_QUERY, [])
    return plan
