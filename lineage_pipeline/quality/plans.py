"""Which expectations GX may judge on representative rows, and how: an expectation in, its
class (column map, pair map, uniqueness, distinct values) and the key each column it reads
(row condition included) is read with out (`keys`).

Invariant: an expectation is planned only when its verdict on a row depends on nothing but the
values it reads there (a row-wise pandas row condition, known arguments, columns the frame
has); anything else gets no plan and is validated on the whole frame.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from lineage_pipeline.quality.keys import LENGTH, NULL, START, VALUE, KeyCache
from lineage_pipeline.quality.regex_start import start_characters
from lineage_pipeline.quality.suites import Expectation

# Column map expectations, and what of their column the verdict reads.
COLUMN_MAPS = {
    "expect_column_values_to_not_be_null": NULL,
    "expect_column_values_to_be_null": NULL,
    "expect_column_values_to_be_in_set": VALUE,
    "expect_column_values_to_not_be_in_set": VALUE,
    "expect_column_values_to_be_between": VALUE,
    "expect_column_values_to_match_regex": VALUE,
    "expect_column_values_to_not_match_regex": VALUE,
    "expect_column_values_to_match_regex_list": VALUE,
    "expect_column_values_to_not_match_regex_list": VALUE,
    "expect_column_value_lengths_to_be_between": LENGTH,
    "expect_column_value_lengths_to_equal": LENGTH,
}
REGEXES = frozenset(
    {"expect_column_values_to_match_regex", "expect_column_values_to_not_match_regex"}
)
# Null tests count every row (not only the non-null ones) towards `mostly`.
NULL_TESTS = frozenset(t for t, kind in COLUMN_MAPS.items() if kind == NULL)
PAIR_MAPS = frozenset(
    {"expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal"}
)
# Results that depend on the set of distinct values alone (not their order or counts).
DISTINCT_SETS = frozenset({"expect_column_distinct_values_to_contain_set"})
UNIQUE = frozenset({"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"})
# The arguments these expectations are reduced with; any other leaves them to the whole frame.
KNOWN_KWARGS = frozenset(
    {
        "column",
        "column_A",
        "column_B",
        "column_list",
        "value_set",
        "min_value",
        "max_value",
        "strict_min",
        "strict_max",
        "regex",
        "regex_list",
        "match_on",
        "value",
        "or_equal",
        "ignore_row_if",
        "mostly",
        "row_condition",
        "condition_parser",
    }
)
# Row conditions judged row by row: names, constants, comparisons and boolean operators.
ROW_WISE = (
    ast.Expression,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Compare,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.And,
    ast.Or,
    ast.BitAnd,
    ast.BitOr,
    ast.Not,
    ast.Invert,
    ast.USub,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
)


@dataclass(frozen=True)
class Plan:
    """How an expectation is reduced: its class, and the key each column is read with (for a
    uniqueness expectation, the row condition's columns only)."""

    kind: str
    reads: dict[str, str]


def condition_columns(expectation: Expectation) -> set[str] | None:
    """The columns of a row-wise pandas row condition; None for any other condition."""
    kwargs = expectation.kwargs
    condition = kwargs.get("row_condition")
    if condition is None:
        return set()
    if not isinstance(condition, str) or kwargs.get("condition_parser") != "pandas":
        return None
    try:
        tree = ast.parse(condition, mode="eval")
    except SyntaxError:
        return None
    nodes = list(ast.walk(tree))
    if not all(isinstance(node, ROW_WISE) for node in nodes):
        return None
    return {node.id for node in nodes if isinstance(node, ast.Name)}


def finest(reads: dict[str, str], column: str, kind: str) -> None:
    """Read `column` as `kind`, or by value when it is read another way too (a value decides
    every other kind)."""
    reads[column] = kind if reads.get(column, kind) == kind else VALUE


def _column_key(expectation: Expectation) -> str:
    """What of its column a column map's verdict reads; for a regex anchored at the start,
    only values that may start a match are told apart."""
    kind = COLUMN_MAPS.get(expectation.type, VALUE)
    if expectation.type in REGEXES and isinstance(expectation.kwargs.get("regex"), str):
        characters = start_characters(expectation.kwargs["regex"])
        if characters:
            return START + "".join(sorted(characters))
    return kind


def plan(expectation: Expectation, keys: KeyCache) -> Plan | None:
    """How to reduce the expectation on the frame of `keys`; None: not reduced."""
    kwargs, kind, columns = expectation.kwargs, expectation.type, keys.frame.columns
    condition = condition_columns(expectation)
    named = ("column",) if "column" in kwargs else ()
    named += ("column_A", "column_B") if kind in PAIR_MAPS else ()
    if condition is None or not set(kwargs) <= KNOWN_KWARGS:
        return None
    if not all(isinstance(kwargs.get(c), str) for c in named) or (
        kind not in PAIR_MAPS and kind not in UNIQUE and not named
    ):
        return None  # malformed: GX says how
    reads: dict[str, str] = dict.fromkeys(condition, VALUE)
    if kind in COLUMN_MAPS or kind in DISTINCT_SETS:
        finest(reads, kwargs["column"], _column_key(expectation))
    elif kind in PAIR_MAPS and "ignore_row_if" in kwargs:
        if any(keys.compacted(kwargs[c]) for c in ("column_A", "column_B") if kwargs[c] in columns):
            return None  # two categoricals compare only over equal categories: GX decides
        finest(reads, kwargs["column_A"], VALUE)
        finest(reads, kwargs["column_B"], VALUE)
    elif kind not in UNIQUE:
        return None
    read = set(reads) | set(unique_columns(expectation) if kind in UNIQUE else ())
    if not all(isinstance(c, str) and c in columns for c in read):
        return None  # GX reports the missing column; the whole frame shows it the same way
    group = "unique" if kind in UNIQUE else "distinct" if kind in DISTINCT_SETS else "map"
    return Plan(group, reads)


def unique_columns(expectation: Expectation) -> list[str]:
    kwargs = expectation.kwargs
    return [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list") or ())
