"""Subject access: a customer id in, everything the warehouse holds about the person out.

Output: one JSON-ready document with the person's rows in every personal table (verbatim, under
`tables`), their values explained (source, supplier, licence, legal basis, purposes, retention,
delivery checksum, current or history) and the purposes' meanings; plus an `access` row in
`privacy_requests`. Invariant: `tables` holds exactly the rows `erase` would remove or keep
hashed, since both use `selection.PREDICATES`. The request is logged in place (`append`), not by
rebuilding the file, unless a reader holds it open.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lineage_pipeline.contracts import ContractSet
from lineage_pipeline.privacy.append import append_log, session
from lineage_pipeline.privacy.rebuild import Plan, rebuild
from lineage_pipeline.privacy.requests import Receipt, add_log, new_request_id
from lineage_pipeline.privacy.selection import subject_frames, subject_rows, tied_quarantine
from lineage_pipeline.privacy.subject import load_subject
from lineage_pipeline.settings import Settings
from lineage_pipeline.warehouse import operation_lock, require


def jsonable(value: Any) -> Any:
    """A warehouse cell as plain JSON: timestamps ISO, lists as lists, NaN and NaT as null."""
    if isinstance(value, np.ndarray | list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as JSON-ready dicts, read column by column (DataFrame.to_dict takes several
    times longer, a noticeable share of a subject access)."""
    names = list(frame.columns)
    columns = [frame[name].to_numpy(dtype=object) for name in names]
    rows = zip(*columns, strict=True)
    return [{k: jsonable(v) for k, v in zip(names, row, strict=True)} for row in rows]


def regions(contracts: ContractSet | None) -> dict[str, str | None]:
    if contracts is None:
        return {}
    return {c.name: c.standardise.default_region for c in contracts.contracts}


def _explained_values(con: duckdb.DuckDBPyConnection, customer_id: str) -> pd.DataFrame:
    return con.execute(
        "SELECT f.field, f.value, f.valid_to IS NULL AS in_force, f.is_current AS survivor, "
        "f.source, f.source_kind, s.supplier, s.licence, f.legal_basis, f.purposes, "
        "f.acquired_at, f.expires_at, s.retention_days, f.valid_from, f.valid_to, "
        "f.delivery, d.sha256 AS delivery_sha256, f.source_record_id, f.match_probability, "
        "f.run_id FROM customer_fields f "
        "LEFT JOIN sources s ON s.source = f.source AND s.field = f.field "
        "LEFT JOIN (SELECT DISTINCT path, sha256 FROM deliveries) d ON d.path = f.delivery "
        "WHERE f.customer_id = ? ORDER BY f.field, f.valid_to IS NULL DESC, f.is_current DESC, "
        "f.source, f.valid_from",
        [customer_id],
    ).df()


def _purposes(con: duckdb.DuckDBPyConnection, used: set[str]) -> dict[str, str]:
    rows = con.execute("SELECT purpose, description FROM purposes ORDER BY purpose").fetchall()
    return {p: d for p, d in rows if p in used}


def build_document(
    con: duckdb.DuckDBPyConnection,
    customer_id: str,
    contracts: ContractSet | None,
    now: datetime,
    request_id: str,
    warehouse: Path,
) -> tuple[dict[str, Any], str]:
    """The subject-access document and the person's hashed customer key."""
    subject = load_subject(con, customer_id, contracts)
    quarantine = tied_quarantine(con, subject, regions(contracts))
    tables = subject_rows(con, subject, subject_frames(subject, quarantine))
    values = _explained_values(con, customer_id)
    profile = tables["customers"].drop(columns="customer_id", errors="ignore")
    used = {p for ps in values["purposes"] for p in ps} if len(values) else set()
    document = {
        "subject": {
            "customer_id": customer_id,
            "generated_at": now.isoformat(),
            "warehouse": str(Path(warehouse).resolve()),
            "request_id": request_id,
        },
        "summary": {table: len(frame) for table, frame in tables.items()},
        "profile": {k: v for k, v in records(profile)[0].items() if v is not None}
        if len(profile)
        else {},
        "values": records(values),
        "purposes": _purposes(con, used),
        "tables": {table: records(frame) for table, frame in tables.items()},
    }
    return document, subject.customer_key


def subject_access(
    settings: Settings, customer_id: str, contracts: ContractSet | None = None
) -> tuple[dict[str, Any], Receipt]:
    """Everything held about the person, and the logged `access` request."""
    path = require(settings.warehouse_path)
    now = settings.now
    request_id = new_request_id("access", now)
    with operation_lock(path):
        with session(path) as con:
            document, key = build_document(con, customer_id, contracts, now, request_id, path)
            receipt = Receipt(request_id, "access", now, now, counts=dict(document["summary"]))
            logged = append_log(con, path, receipt, key)
        if not logged:  # a reader holds the file: log it by rebuilding beside the reader
            rebuild(path, request_id, add_log(Plan(), receipt, key), settings.pinned_now)
    return document, receipt
