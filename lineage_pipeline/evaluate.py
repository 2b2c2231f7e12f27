"""Evaluate: labelled truth (customer_id, field, expected) and the warehouse in, precision,
recall, F1 and wrong fills out. An empty `expected` means the field must stay empty."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from lineage_pipeline.errors import LineageError
from lineage_pipeline.warehouse import connect, require

TRUTH_COLUMNS = ("customer_id", "field", "expected")


@dataclass(frozen=True)
class Scores:
    """Enrichment quality: a fill is correct only when it equals the expected value."""

    labelled: int
    correct: int
    wrong_fills: int
    missed: int
    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def read_truth(path: Path) -> pd.DataFrame:
    try:
        truth = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as exc:
        raise LineageError(f"{path}: cannot read the truth file: {exc}") from exc
    missing = [c for c in TRUTH_COLUMNS if c not in truth.columns]
    if missing:
        raise LineageError(f"{path}: row 1: missing column(s) {', '.join(missing)}")
    return truth


def score(truth: pd.DataFrame, customers: pd.DataFrame) -> Scores:
    """Compare each labelled (customer, field) with the customers table."""
    long = customers.melt(id_vars="customer_id", var_name="field", value_name="actual")
    joined = truth.merge(long, on=["customer_id", "field"], how="left")
    actual = joined["actual"].fillna("").astype(str).str.strip()
    expected = joined["expected"].fillna("").astype(str).str.strip()
    filled, wanted = actual != "", expected != ""
    correct = int((filled & wanted & (actual == expected)).sum())
    wrong = int((filled & (actual != expected)).sum())
    missed = int((wanted & ~filled).sum())
    precision = correct / (correct + wrong) if correct + wrong else 1.0
    recall = correct / int(wanted.sum()) if wanted.any() else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(len(truth), correct, wrong, missed, precision, recall, f1)


def evaluate(warehouse: Path, truth_path: Path) -> Scores:
    truth = read_truth(truth_path)
    with connect(require(warehouse)) as con:
        customers = con.execute("SELECT * FROM customers").df()
    unknown = sorted(set(truth["field"]) - set(customers.columns))
    if unknown:
        raise LineageError(f"{truth_path}: field(s) not in the warehouse: {', '.join(unknown)}")
    return score(truth, customers)
