"""Retention sweep: the published warehouse and the clock in, expired values closed and old
history removed out.

A value past `expires_at` stops being in force (valid_to = expires_at), so it leaves
`customers` and every purpose view; one past `expires_at` + the grace period leaves history too.
This is what the next run does anyway; the sweep does it between runs, on a schedule or by hand.
Invariant: nothing changes (and no file is rewritten) when nothing has expired, which one count
in DuckDB decides. Otherwise only the affected customers' survivorship columns reach pandas
(the run's rule picks the survivors); closing and dropping values happen in SQL as the file
is rebuilt.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from lineage_pipeline import merge
from lineage_pipeline.privacy.current import profile_columns, profiles, source_priorities
from lineage_pipeline.privacy.rebuild import Plan, rebuild
from lineage_pipeline.privacy.requests import Receipt, add_log, new_request_id
from lineage_pipeline.settings import Settings
from lineage_pipeline.warehouse import connect, operation_lock, require

# A value to close is past expiry and in force (or in force beyond its expiry); one to drop is
# past expiry plus the grace period.
COUNT_SQL = """
SELECT count(*) FILTER (WHERE expires_at < $cutoff),
       count(*) FILTER (WHERE (expires_at < $cutoff) IS NOT TRUE)
FROM customer_fields
WHERE (expires_at <= $now AND (valid_to IS NULL OR valid_to > expires_at))
   OR expires_at < $cutoff
"""
# What survivorship and the profile read, for every row of each customer with something expired.
# `rowid` names the row again when the file is rebuilt (the file is unchanged: we hold the lock).
AFFECTED_SQL = """
SELECT rowid AS row_id, customer_id, field, value, source, source_kind, source_record_id,
       match_probability, acquired_at, expires_at, valid_to, is_current
FROM customer_fields
WHERE customer_id IN (
    SELECT customer_id FROM customer_fields
    WHERE (expires_at <= $now AND (valid_to IS NULL OR valid_to > expires_at))
       OR expires_at < $cutoff)
"""
# The rebuilt table: in the published order (by customer), values past the grace left out,
# expired ones closed, and the survivor flags recomputed for the affected rows.
SWEEP_FIELDS = """
SELECT f.* REPLACE (
    CASE WHEN f.expires_at <= $now AND (f.valid_to IS NULL OR f.valid_to > f.expires_at)
         THEN f.expires_at ELSE f.valid_to END AS valid_to,
    coalesce(s.is_current, f.is_current) AS is_current)
FROM old.main.customer_fields AS f
LEFT JOIN swept_current AS s ON s.row_id = f.rowid
WHERE (f.expires_at < $cutoff) IS NOT TRUE
ORDER BY f.rowid
"""
SWEEP_CUSTOMERS = """
SELECT * FROM (
    SELECT * FROM old.main.customers
    WHERE customer_id NOT IN (SELECT customer_id FROM swept_customers)
    UNION ALL BY NAME SELECT * FROM swept_customers)
ORDER BY customer_id
"""


def _swept(
    con: duckdb.DuckDBPyConnection, now: datetime, cutoff: datetime
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The survivor flags that change (by rowid), and the affected profiles before and after."""
    rows = con.execute(AFFECTED_SQL, {"now": now, "cutoff": cutoff}).df()
    priorities, columns = source_priorities(con), profile_columns(con)
    ids = pd.DataFrame({"customer_id": rows["customer_id"].unique()})
    con.register("affected_ids", ids)
    try:
        before = con.execute(
            "SELECT * FROM customers WHERE customer_id IN (SELECT customer_id FROM affected_ids) "
            "ORDER BY customer_id"
        ).df()
    finally:
        con.unregister("affected_ids")
    expiry = rows["expires_at"]
    closing = (expiry <= now) & (rows["valid_to"].isna() | (rows["valid_to"] > expiry))
    dropping = expiry < cutoff
    kept = rows[~dropping].reset_index(drop=True)
    close = closing[~dropping].to_numpy()
    kept.loc[close, "valid_to"] = kept.loc[close, "expires_at"]
    was_current = kept["is_current"].astype(bool)
    kept["priority"] = kept["source"].map(priorities)
    kept["is_current"] = merge.survivors(kept)
    after = profiles(kept, list(before["customer_id"]), columns)
    flipped = kept.loc[kept["is_current"] != was_current, ["row_id", "is_current"]]
    return flipped.astype({"row_id": "int64", "is_current": bool}), before, after


def sweep(settings: Settings) -> Receipt:
    """Close values past expiry and drop history past the grace period, now."""
    path = require(settings.warehouse_path)
    now, grace = settings.now, settings.history_grace
    cutoff = now - grace
    receipt = Receipt(new_request_id("retention", now), "retention", now, now)
    with operation_lock(path):
        with connect(path) as con:
            dropped, expired = con.execute(COUNT_SQL, {"now": now, "cutoff": cutoff}).fetchone()
            receipt.counts = {"customer_fields": -int(dropped), "values_expired": int(expired)}
            if not (dropped or expired):
                receipt.notes.append("nothing has expired; the warehouse was not rewritten")
                return receipt
            flags, before, after = _swept(con, now, cutoff)
        changed = after.set_index("customer_id").sort_index().fillna("") != before.set_index(
            "customer_id"
        ).sort_index().fillna("")
        receipt.counts["customers_changed"] = int(changed.any(axis=1).sum())
        receipt.counts["privacy_requests"] = 1
        plan = Plan(
            queries={
                "customer_fields": (SWEEP_FIELDS, {"now": now, "cutoff": cutoff}),
                "customers": (SWEEP_CUSTOMERS, []),
            },
            frames={"swept_current": flags, "swept_customers": after},
        )
        rebuild(path, receipt.request_id, add_log(plan, receipt, None), settings.pinned_now)
    return receipt
