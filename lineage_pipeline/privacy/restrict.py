"""Restrict: a customer id and purposes in, suppressions scoped to those purposes out.

An objection or opt-out: the person leaves every purpose view and export for the purpose and
its children (`marketing` covers `marketing.email`) at once, because the views read
`suppressions`; their data stays for other purposes. Invariant: the suppression holds the salted
customer key, never the id; a purpose must exist in the taxonomy (`all` is reserved for erasure).
"""

from __future__ import annotations

import pandas as pd

from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy.purposes import check_purpose
from lineage_pipeline.privacy.rebuild import Plan, rebuild
from lineage_pipeline.privacy.requests import Receipt, add_log, new_request_id
from lineage_pipeline.privacy.subject import load_subject
from lineage_pipeline.settings import Settings
from lineage_pipeline.warehouse import connect, operation_lock, require

RESTRICTION = "restriction"
APPEND_QUERY = (
    "SELECT * FROM old.main.suppressions UNION ALL BY NAME SELECT * FROM incoming_suppressions"
)


def restrict(settings: Settings, customer_id: str, purposes: list[str]) -> Receipt:
    """Stop using the person's data for `purposes` (and their children)."""
    if not purposes:
        raise LineageError("name at least one purpose to restrict, e.g. --purpose marketing")
    if "all" in purposes:
        raise LineageError(
            "'all' is reserved for erasure; to stop all use, erase the customer, or restrict "
            "each top-level purpose"
        )
    path = require(settings.warehouse_path)
    now = settings.now
    scope = ",".join(sorted(set(purposes)))
    receipt = Receipt(new_request_id("restrict", now), "restrict", now, now, scope=scope)
    with operation_lock(path):
        with connect(path) as con:
            for purpose in purposes:
                check_purpose(con, purpose)
            subject = load_subject(con, customer_id)
            held = {
                r[0]
                for r in con.execute(
                    "SELECT scope FROM suppressions WHERE subject_key = ?", [subject.customer_key]
                ).fetchall()
            }
        new = sorted(set(purposes) - held)
        incoming = pd.DataFrame(
            {
                "subject_key": subject.customer_key,
                "scope": new,
                "kind": RESTRICTION,
                "requested_at": pd.Series([now] * len(new), dtype="datetime64[us]"),
                "request_id": receipt.request_id,
            }
        )
        plan = Plan(queries={"suppressions": (APPEND_QUERY, [])})
        plan.frames["incoming_suppressions"] = incoming
        receipt.counts = {"suppressions": len(new), "privacy_requests": 1}
        if len(new) < len(set(purposes)):
            already = ", ".join(sorted(set(purposes) & held))
            receipt.notes.append(f"already restricted for {already}")
        rebuild(
            path,
            receipt.request_id,
            add_log(plan, receipt, subject.customer_key),
            settings.pinned_now,
        )
    return receipt
