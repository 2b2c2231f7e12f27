"""Correct: a customer id, field and value in, the subject's value in force everywhere out.

Rectification: a row in `corrections` (later runs re-apply it) and, at once, a value row with
source `subject_request` in `customer_fields` that wins survivorship, and the new value in
`customers` and every purpose view the field serves. Invariant: the earlier values stay as
history with their provenance; an earlier correction of the same field ends when this one starts.
"""

from __future__ import annotations

import pandas as pd

from lineage_pipeline import merge
from lineage_pipeline.contracts import ContractSet
from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy.current import (
    REPLACE_PERSON_CUSTOMER,
    REPLACE_PERSON_FIELDS,
    profile_columns,
    profiles,
    resurvive,
    source_priorities,
)
from lineage_pipeline.privacy.rebuild import Plan, rebuild
from lineage_pipeline.privacy.requests import Receipt, add_log, new_request_id
from lineage_pipeline.privacy.subject import load_subject
from lineage_pipeline.settings import Settings
from lineage_pipeline.vocabulary import SUBJECT_REQUEST
from lineage_pipeline.warehouse import connect, operation_lock, require

APPEND_CORRECTION = (
    "SELECT * FROM old.main.corrections UNION ALL BY NAME SELECT * FROM incoming_corrections"
)


def _check(field: str, value: str, contracts: ContractSet) -> str:
    fields = contracts.field_names()
    if field not in fields:
        raise LineageError(f"unknown field {field!r} (fields: {', '.join(fields)})")
    if not value.strip():
        raise LineageError("the corrected value is empty; to remove data, use erase or restrict")
    return value.strip()


def correct(
    settings: Settings, customer_id: str, field: str, value: str, contracts: ContractSet
) -> Receipt:
    """Record the subject's value for `field` and apply it to the published warehouse now."""
    value = _check(field, value, contracts)
    path = require(settings.warehouse_path)
    now = settings.now
    receipt = Receipt(new_request_id("correct", now), "correct", now, now, scope=field)
    correction = pd.DataFrame(
        [
            {
                "request_id": receipt.request_id,
                "customer_id": customer_id,
                "field": field,
                "value": value,
                "requested_at": now,
            }
        ]
    ).astype({"requested_at": "datetime64[us]"})
    with operation_lock(path):
        with connect(path) as con:
            subject = load_subject(con, customer_id)
            held = con.execute(
                "SELECT * FROM customer_fields WHERE customer_id = ?", [customer_id]
            ).df()
            priorities, columns = source_priorities(con), profile_columns(con)
        new = merge.correction_observations(correction, contracts)
        new = new.assign(valid_from=new["acquired_at"], valid_to=pd.NaT, is_current=False)
        ended = (held["source"] == SUBJECT_REQUEST) & (held["field"] == field)
        held.loc[ended & held["valid_to"].isna(), "valid_to"] = now
        # Same dtypes on both sides: an all-null column must not change the result's dtype.
        new = new[merge.FIELD_COLUMNS].astype(held.dtypes.to_dict())
        rows = resurvive(pd.concat([held, new], ignore_index=True), priorities)
        plan = Plan(
            queries={
                "customer_fields": (REPLACE_PERSON_FIELDS, {"id": customer_id}),
                "customers": (REPLACE_PERSON_CUSTOMER, {"id": customer_id}),
                "corrections": (APPEND_CORRECTION, []),
            },
            frames={
                "person_customer_fields": rows,
                "person_customers": profiles(rows, [customer_id], columns),
                "incoming_corrections": correction,
            },
        )
        receipt.counts = {"customer_fields": 1, "corrections": 1, "privacy_requests": 1}
        rebuild(
            path,
            receipt.request_id,
            add_log(plan, receipt, subject.customer_key),
            settings.pinned_now,
        )
    return receipt
