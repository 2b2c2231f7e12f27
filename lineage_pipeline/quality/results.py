"""Quality results: what a check is (CheckSpec) and what it found (QualityResult).

Input: GX validation results or invariant findings. Output: results with observed and expected
in words, and the `quality_results` table. Invariant: a `critical` check that fails blocks
publishing; a `warning` is recorded and reported but publishes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)
INVARIANTS_SUITE = "invariants"
# How many failing values (with their file and row) a result quotes.
SAMPLE = 5
RESULT_COLUMNS = [
    "run_id",
    "suite",
    "asset",
    "expectation",
    "column",
    "success",
    "observed",
    "expected",
    "severity",
    "checked_at",
]


@dataclass(frozen=True)
class CheckSpec:
    """One check of a stage: an expectation of a suite or an invariant."""

    name: str
    suite: str
    severity: str
    description: str
    column: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == CRITICAL


@dataclass(frozen=True)
class QualityResult:
    """One check evaluated on one asset's data."""

    suite: str
    asset: str
    expectation: str
    column: str | None
    success: bool
    observed: str
    expected: str
    severity: str

    @property
    def blocking_failure(self) -> bool:
        return not self.success and self.severity == CRITICAL

    def message(self) -> str:
        """One line for logs and the command line: which check failed on which data."""
        verdict = "passed" if self.success else f"FAILED ({self.severity})"
        return (
            f"{self.asset}: {self.expectation} {verdict}: observed {self.observed}; "
            f"expected {self.expected}"
        )


def result_for(
    spec: CheckSpec, asset: str, success: bool, observed: str, expected: str
) -> QualityResult:
    return QualityResult(
        suite=spec.suite,
        asset=asset,
        expectation=spec.name,
        column=spec.column,
        success=bool(success),
        observed=observed,
        expected=expected,
        severity=spec.severity,
    )


def results_table(
    results: Iterable[QualityResult], run_id: str, checked_at: datetime
) -> pd.DataFrame:
    rows = [{**asdict(r), "run_id": run_id, "checked_at": checked_at} for r in results]
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def _location(frame: pd.DataFrame, index: int) -> str:
    """Where a validated row came from: `file row N` when the frame knows, else its position."""
    if "_delivery" in frame and "_row_number" in frame and 0 <= index < len(frame):
        delivery, row = frame["_delivery"].iat[index], frame["_row_number"].iat[index]
        column = f" column {frame['column'].iat[index]}" if "column" in frame else ""
        return f"{Path(str(delivery)).name} row {row}{column}"
    return f"row {index + 1}"


def _quote(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_observed(result: Mapping, frame: pd.DataFrame, column: str | None = None) -> str:
    """What GX observed, in words, quoting a few failing values with their file and row. With
    the expectation's `column`, values are quoted from `frame` itself, as it holds them (GX may
    have been shown them in another dtype)."""
    if "unexpected_count" in result:
        count, total = result["unexpected_count"], result.get("element_count", 0)
        text = f"{count} of {total} values unexpected"
        values: Sequence = result.get("partial_unexpected_list") or []
        indexes: Sequence = result.get("partial_unexpected_index_list") or []
        if column in frame and all(0 <= int(i) < len(frame) for i in indexes):
            values = [frame[column].iat[int(i)] for i in indexes]
        quoted = [
            _location(frame, int(i)) if v is None else f"{_quote(v)} ({_location(frame, int(i))})"
            for v, i in zip(values[:SAMPLE], indexes[:SAMPLE], strict=False)
        ]
        return text + (": " + ", ".join(quoted) if quoted else "")
    if "partial_missing_list" in result:
        missing = result["partial_missing_list"]
        return f"missing {sorted(missing)}" if missing else "none missing"
    mismatched = (result.get("details") or {}).get("mismatched") or {}
    if mismatched.get("missing"):
        return f"missing columns {sorted(mismatched['missing'])}"
    if "observed_value" in result:
        return f"{_quote(result['observed_value'])}"
    return json.dumps(dict(result), default=str)[:200]


def describe_expected(kind: str, kwargs: Mapping) -> str:
    """The expectation as GX names it, with its arguments (minus GX's own bookkeeping)."""
    shown = {k: v for k, v in kwargs.items() if k not in {"batch_id"} and v is not None}
    return f"{kind}({json.dumps(shown, default=str, sort_keys=True)})"


def quality_history(
    previous: pd.DataFrame, results: Iterable[QualityResult], run_id: str, checked_at: datetime
) -> pd.DataFrame:
    """The carried-over results of earlier runs plus this run's."""
    current = results_table(results, run_id, checked_at)
    kept = previous[previous["run_id"] != run_id].reindex(columns=RESULT_COLUMNS)
    return pd.concat([kept, current], ignore_index=True) if len(kept) else current


def summarise(results: Iterable[QualityResult]) -> dict:
    """Counts for the run summary, and the failures and warnings in words."""
    results = list(results)
    failed = [r for r in results if not r.success]
    return {
        "checks": len(results),
        "passed": len(results) - len(failed),
        "failures": [r.message() for r in failed if r.severity == CRITICAL],
        "warnings": [r.message() for r in failed if r.severity != CRITICAL],
    }
