"""What GX is shown: a frame and a suite's expectations in, the batches to validate them on out.

GX fingerprints every batch it is given and copies it whenever an expectation filters rows, so
the cost of a validation follows the size of its batch, not of its result. A batch holds only
the columns its expectations read, strings as categoricals of the same strings; expectations on
the table's columns alone get the columns without rows.
Invariant: every expectation is in exactly one batch, and every batch has the frame's rows (or
none, for schema expectations) with their values unchanged.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from lineage_pipeline.quality.suites import Expectation

# Expectations about the table's columns alone: GX needs no rows to evaluate them.
SCHEMA_EXPECTATIONS = frozenset(
    {
        "expect_column_to_exist",
        "expect_table_column_count_to_be_between",
        "expect_table_column_count_to_equal",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_columns_to_match_set",
    }
)
# Expectations that read each value as text (GX converts the column with astype(str)): from a
# categorical that is a gather over its categories, slower than the object column it replaces.
TEXT_EXPECTATIONS = frozenset(
    {
        "expect_column_value_lengths_to_be_between",
        "expect_column_value_lengths_to_equal",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_match_regex_list",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_not_match_regex_list",
    }
)


@dataclass(frozen=True, eq=False)
class Batch:
    """Expectations and the frame GX validates them on, in one validation."""

    expectations: list[Expectation]
    frame: pd.DataFrame


def columns_read(expectation: Expectation) -> set[str] | None:
    """The columns an expectation reads, row condition included; None when that is unclear."""
    kwargs = expectation.kwargs
    read = {kwargs[k] for k in ("column", "column_A", "column_B") if isinstance(kwargs.get(k), str)}
    read.update(kwargs.get("column_list") or ())
    condition = kwargs.get("row_condition")
    if condition is None:
        return read
    if not isinstance(condition, str):
        return None
    try:
        tree = ast.parse(condition, mode="eval")
    except SyntaxError:  # pandas-only syntax (backticks): let GX see every column
        return None
    return read | {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _strings(column: pd.Series) -> bool:
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) == "string"


def categorical(column: pd.Series) -> pd.Series:
    """A column as a categorical of the same values, in the order they appear: GX then
    fingerprints, copies, filters and null-tests codes instead of Python objects."""
    codes, strings = pd.factorize(column)
    categorical = pd.Categorical.from_codes(codes, categories=strings)
    return pd.Series(categorical, index=column.index, name=column.name)


def compactable(frame: pd.DataFrame, expectations: list[Expectation]) -> set[str]:
    """The columns GX is shown as categoricals when they hold strings: those the expectations
    read, except the ones an expectation reads as text; none when it is unclear what they
    read."""
    rows = [e for e in expectations if e.type not in SCHEMA_EXPECTATIONS]
    reads = [columns_read(e) for e in rows]
    if not rows or frame.columns.has_duplicates or any(r is None for r in reads):
        return set()
    texts = {e.kwargs.get("column") for e in rows if e.type in TEXT_EXPECTATIONS}
    return {c for c in frame if c in set().union(*reads) - texts}


def compacted(frame: pd.DataFrame, expectations: list[Expectation]) -> set[str]:
    """The columns of strings GX is shown as categoricals when validating these expectations."""
    return {c for c in compactable(frame, expectations) if _strings(frame[c])}


def _filters_rows(expectation: Expectation, read: set[str]) -> bool:
    """Under a row condition, or over several columns (GX drops rows missing any of them)."""
    return "row_condition" in expectation.kwargs or len(read) > 1


def batches(
    frame: pd.DataFrame, expectations: list[Expectation], compact: set[str] | None = None
) -> Iterator[Batch]:
    """Schema expectations on the columns alone; each expectation that filters rows on a batch
    of its own when its columns are cheap to copy (no text); all others on one shared batch.
    `compact`: the columns shown as categoricals, when decided for a whole suite (`compacted`)
    of which these expectations are a part."""
    schema = [e for e in expectations if e.type in SCHEMA_EXPECTATIONS]
    if schema:
        yield Batch(schema, frame.iloc[:0])
    rows = [e for e in expectations if e.type not in SCHEMA_EXPECTATIONS]
    reads = [columns_read(e) for e in rows]
    if not rows or frame.columns.has_duplicates or any(r is None for r in reads):
        if rows:
            yield Batch(rows, frame)
        return
    compact = compacted(frame, expectations) if compact is None else compact
    read_any = set().union(*reads)
    shown = {c: categorical(frame[c]) if c in compact else frame[c] for c in frame if c in read_any}

    def alone(expectation: Expectation, read: set[str]) -> bool:
        cheap = all(c in shown and shown[c].dtype != object for c in read)
        return cheap and _filters_rows(expectation, read)

    groups = [([e], read) for e, read in zip(rows, reads, strict=True) if alone(e, read)]
    shared = [(e, read) for e, read in zip(rows, reads, strict=True) if not alone(e, read)]
    if shared:
        groups.insert(0, ([e for e, _ in shared], set().union(*(read for _, read in shared))))
    for group, read in groups:
        columns = {c: column for c, column in shown.items() if c in read}
        yield Batch(group, pd.DataFrame(columns, index=frame.index, copy=False))
