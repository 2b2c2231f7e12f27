"""Erase: a customer id in, a warehouse file with no trace of the person and a receipt out.

The person's rows leave every personal table (history included) by rebuilding the file without
them, so no byte of theirs remains; salted hashes of their identity keys enter `suppressions`
with scope `all`, so later deliveries of the same records are dropped before linking and never
re-create or re-enrich them. Invariant: what is removed is exactly what `export` shows; the only
traces left are hashes (suppressions, the request log).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from lineage_pipeline.contracts import ContractSet
from lineage_pipeline.privacy.export import regions
from lineage_pipeline.privacy.rebuild import Plan, rebuild
from lineage_pipeline.privacy.registry import PERSONAL_TABLES, OnErase
from lineage_pipeline.privacy.requests import Receipt, add_log, new_request_id
from lineage_pipeline.privacy.selection import (
    keep_query,
    params,
    subject_frames,
    subject_rows,
    tied_quarantine,
)
from lineage_pipeline.privacy.subject import Subject, load_subject
from lineage_pipeline.settings import Settings
from lineage_pipeline.warehouse import connect, operation_lock, require

ERASURE = "erasure"
# Restrictions of the person give way to the erasure; their erasure keys stay.
SUPPRESSIONS_QUERY = (
    "SELECT * FROM old.main.suppressions AS t "
    "WHERE (t.subject_key IN (SELECT subject_key FROM subject_keys) AND t.scope <> 'all') "
    "IS NOT TRUE UNION ALL BY NAME SELECT * FROM incoming_suppressions"
)


def _new_suppressions(
    con: duckdb.DuckDBPyConnection, subject: Subject, receipt: Receipt
) -> pd.DataFrame:
    erased = {
        r[0]
        for r in con.execute("SELECT subject_key FROM suppressions WHERE scope = 'all'").fetchall()
    }
    keys = sorted(subject.keys - erased)
    return pd.DataFrame(
        {
            "subject_key": keys,
            "scope": "all",
            "kind": ERASURE,
            "requested_at": pd.Series([receipt.requested_at] * len(keys), dtype="datetime64[us]"),
            "request_id": receipt.request_id,
        }
    )


def erase(settings: Settings, customer_id: str, contracts: ContractSet) -> Receipt:
    """Remove the person from the published warehouse and keep them out of later runs."""
    path = require(settings.warehouse_path)
    now = settings.now
    receipt = Receipt(new_request_id("erase", now), "erase", now, now, scope="all")
    with operation_lock(path):
        with connect(path) as con:
            subject = load_subject(con, customer_id, contracts, now)
            quarantine = tied_quarantine(con, subject, regions(contracts))
            frames = subject_frames(subject, quarantine)
            found = subject_rows(con, subject, frames)
            incoming = _new_suppressions(con, subject, receipt)
        plan = Plan(frames={**frames, "incoming_suppressions": incoming})
        for table, entry in PERSONAL_TABLES.items():
            if entry.on_erase is OnErase.DELETE:
                plan.queries[table] = (keep_query(table), params(table, customer_id))
                receipt.counts[table] = -len(found[table])
        restrictions = found["suppressions"]
        dropped = int((restrictions["scope"] != "all").sum()) if len(restrictions) else 0
        plan.queries["suppressions"] = (SUPPRESSIONS_QUERY, [])
        receipt.counts["suppressions"] = len(incoming) - dropped
        receipt.counts["privacy_requests"] = 1
        receipt.notes.append(
            f"{len(subject.keys)} salted identity keys suppress the person in later deliveries"
        )
        kept = len(found["privacy_requests"])
        if kept:
            receipt.notes.append(f"{kept} earlier request log rows kept (hashed key only)")
        rebuild(
            path,
            receipt.request_id,
            add_log(plan, receipt, subject.customer_key),
            settings.pinned_now,
        )
    return receipt
