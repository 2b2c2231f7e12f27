"""Trace: a customer id (and field, and date) in, every value's full lineage out.

For each value: source and contract terms, delivery file with checksum and record id, match
probability with the comparison waterfall behind it, purposes, acquired and expiry dates, run
id, and which value won and why (the run's survivorship rule). `as_of` answers what was held
at the end of that day from valid_from/valid_to. Invariant: read-only; recomputes only ranks.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from lineage_pipeline import merge
from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy.export import jsonable
from lineage_pipeline.vocabulary import SUBJECT_REQUEST
from lineage_pipeline.warehouse import connect, require

TRACE_SQL = """
SELECT f.*, s.supplier, s.licence, s.kind AS contract_kind, s.priority,
       s.retention_days, d.sha256 AS delivery_sha256, e.decision, e.match_weight,
       e.comparisons, w.prior_weight
FROM customer_fields f
LEFT JOIN sources s ON s.source = f.source AND s.field = f.field
LEFT JOIN (SELECT DISTINCT path, sha256 FROM deliveries) d ON d.path = f.delivery
LEFT JOIN match_evidence e ON e.source = f.source AND e.source_record_id = f.source_record_id
     AND e.customer_id = f.customer_id AND e.delivery = f.delivery
LEFT JOIN (SELECT source, max(prior_weight) AS prior_weight FROM match_weights GROUP BY source) w
     ON w.source = f.source
WHERE f.customer_id = $id AND ($field IS NULL OR f.field = $field)
ORDER BY f.field, f.valid_from, f.source, f.source_record_id
"""
_KIND_NAMES = {SUBJECT_REQUEST: 0, "first_party": 1}


def as_of_moment(text: str) -> datetime:
    """An ISO date (meaning the end of that day) or date-time."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(23, 59, 59))
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError as exc:
        raise LineageError(f"--as-of {text!r} is not a date (YYYY-MM-DD) or date-time") from exc


def probability_text(probability: float) -> str:
    """Enough decimals to tell 0.99999 from 1 (a rounded 1.000 hides the doubt)."""
    return f"{probability:.3f}" if probability < 0.999 else f"{probability:.6f}"


def waterfall(comparisons: str | None, prior: float | None, probability: float | None) -> dict:
    """The match score explained: prior, each field's level and weight, total, probability."""
    if not comparisons:
        return {}
    steps = []
    for name, c in sorted(json.loads(comparisons).items(), key=lambda kv: -abs(kv[1]["weight"])):
        level, sim, weight = c["level"], c["similarity"], float(c["weight"])
        shown = level if level in {"exact", "missing"} or sim is None else f"{sim:.2f}"
        amount = "0" if level == "missing" else f"{weight:+.1f}"
        steps.append({"field": name, "level": level, "similarity": sim, "weight": weight})
        steps[-1]["text"] = f"{name.replace('_', ' ')} {shown} {amount}"
    total = (prior or 0.0) + sum(s["weight"] for s in steps)
    text = ", ".join([f"prior {prior or 0.0:+.1f}", *(s["text"] for s in steps)])
    return {
        "prior_weight": prior,
        "steps": steps,
        "total_weight": round(total, 3),
        "text": f"{text} -> {probability_text(probability)}" if probability is not None else text,
    }


def _rank(row: pd.Series) -> tuple:
    priority = row["priority"]
    return (
        _KIND_NAMES.get(row["source_kind"], 2),
        float("inf") if priority is None or pd.isna(priority) else float(priority),
    )


def _cut(probability: float, digits: int) -> str:
    """Truncated, not rounded: 0.9999993 must never print as 1.000."""
    return f"{math.floor(probability * 10**digits) / 10**digits:.{digits}f}"


def why_wins(winner: pd.Series, loser: pd.Series) -> str:
    """The first rule of the survivorship order that separates two in-force values."""
    (wk, wp), (lk, lp) = _rank(winner), _rank(loser)
    if wk != lk:
        if winner["source_kind"] == SUBJECT_REQUEST:
            return "a correction by the customer beats every source"
        return "first-party data beats third-party data"
    if wp != lp:
        if math.isinf(lp):
            return f"{winner['source']} has contract priority {wp:g}; {loser['source']} has none"
        return f"contract priority {wp:g} beats {lp:g} (lower wins)"
    wm, lm = winner["match_probability"], loser["match_probability"]
    wm, lm = (1.0 if pd.isna(wm) else wm), (1.0 if pd.isna(lm) else lm)
    if wm != lm:
        digits = next(d for d in range(3, 16) if _cut(wm, d) != _cut(lm, d))
        return f"match probability {_cut(wm, digits)} beats {_cut(lm, digits)}"
    if winner["acquired_at"] != loser["acquired_at"]:
        return (
            f"newer delivery ({winner['acquired_at']:%Y-%m-%d} vs {loser['acquired_at']:%Y-%m-%d})"
        )
    return "equal rank: ties go to source name, then record id"


def runner_up(rivals: pd.DataFrame) -> pd.Series:
    """The best of the losing in-force values, by the same rule."""
    best = merge.survivors(rivals.assign(valid_to=pd.NaT))
    return rivals[best].iloc[0]


def _status(row: pd.Series, moment: datetime) -> str:
    if pd.isna(row["valid_to"]) or row["valid_to"] > moment:
        return "in use" if row["winner"] else "held"
    expiry = row["expires_at"]
    if pd.notna(expiry) and row["valid_to"] >= expiry:
        return f"expired {row['valid_to']:%Y-%m-%d}"
    return f"replaced {row['valid_to']:%Y-%m-%d}"


def _explain(group: pd.DataFrame, moment: datetime) -> list[dict[str, Any]]:
    winners = group[group["winner"]]
    out = []
    for _, row in group.iterrows():
        status = _status(row, moment)
        if row["winner"]:
            rivals = group[(group["in_force"]) & ~group["winner"]]
            why = (
                f"wins: {why_wins(row, runner_up(rivals))}"
                if len(rivals)
                else "only value in force"
            )
        elif row["in_force"] and len(winners):
            best = winners.iloc[0]
            why = f"loses to {best['source']} {best['source_record_id']}: {why_wins(best, row)}"
        else:
            why = status
        item = {k: jsonable(row[k]) for k in _FIELDS_OUT}
        item.update(
            status=status,
            why=why,
            match=waterfall(
                row["comparisons"], row["prior_weight"], jsonable(row["match_probability"])
            ),
        )
        out.append(item)
    return out


_FIELDS_OUT = (
    "field", "value", "source", "source_kind", "supplier", "licence", "legal_basis", "priority",
    "delivery", "delivery_sha256", "source_record_id", "match_probability", "decision",
    "purposes", "acquired_at", "expires_at", "valid_from", "valid_to", "run_id",
)  # fmt: skip


def trace(
    warehouse: Path, customer_id: str, field: str | None = None, as_of: datetime | None = None
) -> dict[str, Any]:
    """Every value held for the customer (one field, or all), explained."""
    with connect(require(warehouse)) as con:
        rows = con.execute(TRACE_SQL, {"id": customer_id, "field": field}).df()
    if rows.empty:
        what = f"field {field!r} of customer {customer_id!r}" if field else f"{customer_id!r}"
        raise LineageError(f"the warehouse holds nothing for {what}")
    if as_of is not None:
        held = (rows["valid_from"] <= as_of) & (
            rows["valid_to"].isna() | (rows["valid_to"] > as_of)
        )
        rows = rows[held].reset_index(drop=True)
        if rows.empty:
            return {"customer_id": customer_id, "as_of": as_of.isoformat(), "fields": []}
        rows["in_force"] = True
        rows["winner"] = merge.survivors(rows.assign(valid_to=pd.NaT))
    else:
        rows["in_force"] = rows["valid_to"].isna()
        rows["winner"] = rows["is_current"].astype(bool)
    moment = as_of or datetime.max
    fields = [
        {"field": name, "values": _explain(group, moment)}
        for name, group in rows.groupby("field", sort=True)
    ]
    return {
        "customer_id": customer_id,
        "as_of": as_of.isoformat() if as_of else None,
        "fields": fields,
    }
