"""Retention sweep: the published warehouse and the clock in, expired values closed and old
history removed out.

A value past `expires_at` stops being in force (valid_to = expires_at), so it leaves
`customers` and every purpose view; one past `expires_at` + the grace period leaves history too.
This is what the next run does anyway; the sweep does it between runs, on a schedule or by hand.
Invariant: nothing changes (and no file is rewritten) when nothing has expired.
"""

from __future__ import annotations

from lineage_pipeline.privacy.current import (
    REPLACE_CUSTOMERS,
    REPLACE_FIELDS,
    profile_columns,
    profiles,
    resurvive,
    source_priorities,
)
from lineage_pipeline.privacy.rebuild import Plan, rebuild
from lineage_pipeline.privacy.requests import Receipt, add_log, new_request_id
from lineage_pipeline.settings import Settings
from lineage_pipeline.warehouse import connect, operation_lock, require


def sweep(settings: Settings) -> Receipt:
    """Close values past expiry and drop history past the grace period, now."""
    path = require(settings.warehouse_path)
    now, grace = settings.now, settings.history_grace
    receipt = Receipt(new_request_id("retention", now), "retention", now, now)
    with operation_lock(path):
        with connect(path) as con:
            fields = con.execute("SELECT * FROM customer_fields").df()
            before = con.execute("SELECT * FROM customers ORDER BY customer_id").df()
            priorities, columns = source_priorities(con), profile_columns(con)
        expired = fields["expires_at"].notna() & (fields["expires_at"] <= now)
        closing = expired & (
            fields["valid_to"].isna() | (fields["valid_to"] > fields["expires_at"])
        )
        dropping = fields["expires_at"].notna() & (fields["expires_at"] < now - grace)
        receipt.counts = {
            "customer_fields": -int(dropping.sum()),
            "values_expired": int((closing & ~dropping).sum()),
        }
        if not (closing.any() or dropping.any()):
            receipt.notes.append("nothing has expired; the warehouse was not rewritten")
            return receipt
        kept = fields[~dropping].copy()
        close = closing[~dropping]
        kept.loc[close, "valid_to"] = kept.loc[close, "expires_at"]
        kept = resurvive(kept, priorities)
        after = profiles(kept, list(before["customer_id"]), columns)
        changed = after.set_index("customer_id").sort_index().fillna("") != before.set_index(
            "customer_id"
        ).sort_index().fillna("")
        receipt.counts["customers_changed"] = int(changed.any(axis=1).sum())
        receipt.counts["privacy_requests"] = 1
        plan = Plan(
            queries={
                "customer_fields": (REPLACE_FIELDS, []),
                "customers": (REPLACE_CUSTOMERS, []),
            },
            frames={"swept_customer_fields": kept, "swept_customers": after},
        )
        rebuild(path, receipt.request_id, add_log(plan, receipt, None), settings.pinned_now)
    return receipt
