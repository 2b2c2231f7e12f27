"""Validating on representative rows: a frame and its expectations in, GX's results for the
whole frame out, computed by GX on the few rows that decide them.

A map expectation judges each row by the values it reads (row condition included): GX judges
one row per distinct key (`keys`), and the counts are re-weighted by the rows each stands for;
the failing rows quoted are the first whole-frame rows whose representative failed. A
uniqueness expectation is shown only the rows whose key repeats; a distinct-values expectation
the distinct rows. Invariant: each result equals GX's on the whole frame; when an expectation
has no plan (`plans`), or GX's numbers on the small frame disagree with what this module
expects of them, it is left for whole-frame validation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lineage_pipeline.quality.batches import categorical
from lineage_pipeline.quality.keys import VALUE, Codes, KeyCache, combine, representatives
from lineage_pipeline.quality.plans import (
    NULL_TESTS,
    PAIR_MAPS,
    finest,
    plan,
    unique_columns,
)
from lineage_pipeline.quality.results import SAMPLE
from lineage_pipeline.quality.suites import Expectation

COMPLETE = {"result_format": "COMPLETE"}
# Map expectations are validated together while their keys take at most this many values.
MERGE_LIMIT = 4096
SUMMARY = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE}

# GX, given expectations, a frame and a result format: results by check name.
Runner = Callable[[list[Expectation], pd.DataFrame, Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Found:
    """What an expectation found on the whole frame, shaped as GX's result."""

    success: bool
    result: dict[str, Any]
    exception_info: dict[str, Any] | None = None


def shown(keys: KeyCache, columns: list[str], rows: np.ndarray | list[int]) -> pd.DataFrame:
    """These rows of these columns (in frame order) as GX is shown them in a whole-frame
    validation: columns of strings as categoricals (`batches.compacted`). Index: positions."""
    frame = keys.frame
    shown = {}
    for column in (c for c in frame.columns if c in columns):
        part = frame[column].iloc[rows]
        shown[column] = categorical(part) if keys.compacted(column) else part
    return pd.DataFrame(shown, index=frame.index[rows])


def in_domain(frame: pd.DataFrame, expectation: Expectation) -> np.ndarray:
    """Which rows the row condition keeps, evaluated as GX evaluates it (DataFrame.query)."""
    condition = expectation.kwargs.get("row_condition")
    if condition is None:
        return np.ones(len(frame), dtype=bool)
    kept = frame.query(condition, parser="pandas").index
    return np.isin(np.arange(len(frame)), kept.to_numpy())  # frame has a RangeIndex


def _mostly_success(considered: int, unexpected: int, mostly: float) -> bool:
    """GX's `_mostly_success` (expectation.py): the share expected, at least `mostly`."""
    return (float(considered) - float(unexpected)) / float(considered) >= mostly


def success(kind: str, mostly: float, total: int, considered: int, unexpected: int) -> bool:
    """GX's verdict from the counts: `considered` is the non-null rows of a column map, the rows
    not ignored of a pair or compound expectation; null tests count all rows."""
    if kind in NULL_TESTS:
        return True if total == 0 else (total - unexpected) / total >= mostly
    if total == 0 or considered == 0:
        return True
    return _mostly_success(considered, unexpected, mostly)


def _failed(found: Any) -> bool:
    return bool((found.exception_info or {}).get("exception_message"))


def _sample(flagged: np.ndarray, of_row: np.ndarray) -> list[int]:
    """The first rows (in frame order) whose representative is flagged."""
    chosen: list[int] = []
    step = 1 << 20
    for start in range(0, len(of_row), step):  # a failure near the top ends the search early
        rows = np.flatnonzero(flagged[of_row[start : start + step]])[: SAMPLE - len(chosen)]
        chosen.extend(int(start + r) for r in rows)
        if len(chosen) == SAMPLE:
            break
    return chosen


def _considered(expectation: Expectation, small: pd.DataFrame, domain: np.ndarray) -> np.ndarray:
    """The domain rows the verdict counts: non-null ones of a column map, and those a pair's
    `ignore_row_if` keeps (GX drops them with DataFrame.dropna)."""
    kwargs = expectation.kwargs
    if expectation.type in PAIR_MAPS:
        how = {"both_values_are_missing": "all", "either_value_is_missing": "any"}
        pair = [kwargs["column_A"], kwargs["column_B"]]
        if kwargs["ignore_row_if"] == "neither":
            return domain
        kept = small[domain].dropna(how=how[kwargs["ignore_row_if"]], subset=pair).index
        return np.isin(np.arange(len(small)), kept.to_numpy())
    if expectation.type in NULL_TESTS:
        return domain
    return domain & small[kwargs["column"]].notna().to_numpy()


def expand_map(
    expectation: Expectation,
    found: Any,
    small: pd.DataFrame,
    weight: np.ndarray,
    of_row: np.ndarray,
    values: Callable[[list[int]], list | None],
) -> Found | None:
    """The whole-frame result of a map expectation GX judged on the representatives `small`;
    None when GX's own numbers there are not the ones this derivation rests on."""
    result = found.result
    if _failed(found) or "unexpected_index_list" not in result:
        return None
    flagged = np.zeros(len(small), dtype=bool)
    flagged[np.asarray(result["unexpected_index_list"], dtype=np.int64)] = True
    domain = in_domain(small, expectation)
    considered = _considered(expectation, small, domain)
    mostly = float(expectation.kwargs.get("mostly", 1))
    counts = (int(domain.sum()), int(considered.sum()), int(flagged.sum()))
    checks = [
        result["element_count"] == counts[0],
        result["unexpected_count"] == counts[2],
        success(expectation.type, mostly, *counts) == bool(found.success),
    ]
    if "missing_count" in result:
        checks.append(result["missing_count"] == counts[0] - counts[1])
    if not all(checks):
        return None
    total, kept, unexpected = (int(weight[m].sum()) for m in (domain, considered, flagged))
    rows = _sample(flagged, of_row) if unexpected else []
    quoted = values(rows)
    if quoted is None:
        return None
    return Found(
        success=success(expectation.type, mostly, total, kept, unexpected),
        result={
            "element_count": total,
            "unexpected_count": unexpected,
            "partial_unexpected_list": quoted,
            "partial_unexpected_index_list": rows,
        },
    )


def validate_maps(
    expectations: list[Expectation],
    reads: dict[str, str],
    key: Codes | None,
    keys: KeyCache,
    run: Runner,
    distinct: bool = False,
) -> dict[str, Found | Any | None]:
    """One GX validation of expectations reading the columns `reads` on one row per distinct
    `key`. Distinct-value expectations are GX's results as they stand (in the usual result
    format): the distinct rows hold the frame's distinct values."""
    if key is None:
        return dict.fromkeys((e.check for e in expectations), None)
    chosen = representatives(key)
    small = shown(keys, list(reads), chosen.rows).reset_index(drop=True)
    found = run(expectations, small, SUMMARY if distinct else COMPLETE)
    if distinct:
        return {e.check: None if _failed(found[e.check]) else found[e.check] for e in expectations}
    out: dict[str, Found | Any | None] = {}
    for expectation in expectations:

        def values(rows: list[int], e: Expectation = expectation) -> list | None:
            return _quoted(e, keys, list(reads), rows, run)

        out[expectation.check] = expand_map(
            expectation, found[expectation.check], small, chosen.weight, chosen.of_row, values
        )
    return out


def _merged(
    groups: list[tuple[dict[str, str], list[Expectation]]], keys: KeyCache
) -> list[tuple[dict[str, str], Codes | None, list[Expectation]]]:
    """Groups whose keys together take few distinct values validated together: a GX validation
    costs a tenth of a second however small its frame, and a finer key is as exact. Keys are
    combined (a pass over every row) only when the product of their sizes is small."""
    coded = sorted(
        ((reads, keys.key(reads), group) for reads, group in groups),
        key=lambda g: g[1].size if g[1] is not None else -1,
    )
    merged: list[tuple[dict[str, str], Codes | None, list[Expectation]]] = []
    for reads, key, group in coded:
        if merged and key is not None and merged[-1][1] is not None:
            last_reads, last_key, last_group = merged[-1]
            if last_key.size * key.size <= MERGE_LIMIT:
                both = dict(last_reads)
                for column, kind in reads.items():
                    finest(both, column, kind)
                merged[-1] = (both, combine([last_key, key]), [*last_group, *group])
                continue
        merged.append((reads, key, group))
    return merged


def _quoted(
    expectation: Expectation, keys: KeyCache, columns: list[str], rows: list[int], run: Runner
) -> list | None:
    """The failing values GX quotes for these rows. A column's are the frame's own (as
    `describe_observed` quotes them); a pair's are GX's, from GX validating just those rows."""
    column = expectation.kwargs.get("column")
    if column is not None:
        return [keys.frame[column].iat[i] for i in rows]
    if not rows:
        return []
    sample = shown(keys, columns, rows)
    again = run([expectation], sample, SUMMARY)[expectation.check]
    result = again.result
    if _failed(again) or list(result.get("partial_unexpected_index_list") or []) != rows:
        return None
    return list(result["partial_unexpected_list"])


def _domain(expectation: Expectation, condition: list[str], keys: KeyCache) -> np.ndarray | None:
    """Every row's place in the row condition's domain, judged once per distinct condition."""
    frame = keys.frame
    if not condition:
        return np.ones(len(frame), dtype=bool)
    key = keys.key(dict.fromkeys(condition, VALUE))
    if key is None:
        return None
    chosen = representatives(key)
    small = shown(keys, condition, chosen.rows).reset_index(drop=True)
    return in_domain(small, expectation)[chosen.of_row]


def validate_unique(
    expectation: Expectation, condition: list[str], keys: KeyCache, run: Runner
) -> Found | None:
    """A uniqueness expectation on the rows whose key repeats within the domain: every
    duplicate and its partners, at their own positions, so GX finds and quotes the same ones."""
    frame, kwargs = keys.frame, expectation.kwargs
    domain = _domain(expectation, condition, keys)
    if domain is None:
        return None
    columns = unique_columns(expectation)
    missing = np.column_stack([keys.missing(c) for c in columns])
    if "column" in kwargs:
        ignored = missing[:, 0]  # a column map leaves nulls out
    else:
        rule = kwargs.get("ignore_row_if", "all_values_are_missing")
        ignored = {
            "all_values_are_missing": missing.all(axis=1),
            "any_value_is_missing": missing.any(axis=1),
            "never": np.zeros(len(frame), dtype=bool),
        }[rule]
    considered = np.flatnonzero(domain & ~ignored)
    # Rows pandas may find equal share a code: every row GX could call a duplicate repeats one.
    same = Codes(np.zeros(len(considered), dtype=np.int64), 1)
    for column in columns:
        codes = keys.equal_values(column, considered)
        codes, distinct = pd.factorize(codes)
        same = combine([same, Codes(codes.astype(np.int64, copy=False), len(distinct))])
    candidates = considered[np.bincount(same.codes, minlength=same.size)[same.codes] > 1]
    rows = shown(keys, [*columns, *condition], candidates)
    found = run([expectation], rows, SUMMARY)[expectation.check]
    result = found.result
    if _failed(found) or result.get("element_count") != len(candidates):
        return None
    if result.get("missing_count", 0) != 0:
        return None
    mostly = float(kwargs.get("mostly", 1))
    total, unexpected = int(domain.sum()), int(result["unexpected_count"])
    return Found(
        success=success(expectation.type, mostly, total, len(considered), unexpected),
        result={
            "element_count": total,
            "unexpected_count": unexpected,
            "partial_unexpected_list": list(result.get("partial_unexpected_list") or []),
            "partial_unexpected_index_list": list(
                result.get("partial_unexpected_index_list") or []
            ),
        },
    )


def validate_reduced(
    keys: KeyCache, expectations: list[Expectation], run: Runner
) -> tuple[dict[str, Any], list[Expectation]]:
    """Results of the expectations validated on representative rows of `keys.frame` (which has
    a RangeIndex), by check name; and the expectations left for whole-frame validation."""
    plans = {}
    for expectation in expectations:
        if not keys.frame.columns.has_duplicates:
            plans[expectation.check] = plan(expectation, keys)
    keys.will_read(p.reads for p in plans.values() if p is not None)
    found: dict[str, Any] = {}
    maps: dict[tuple, list[Expectation]] = {}
    distinct: dict[tuple, list[Expectation]] = {}
    for expectation in expectations:
        chosen = plans.get(expectation.check)
        if chosen is None:
            found[expectation.check] = None
        elif chosen.kind == "unique":
            found[expectation.check] = validate_unique(expectation, sorted(chosen.reads), keys, run)
        else:
            groups = distinct if chosen.kind == "distinct" else maps
            groups.setdefault(tuple(sorted(chosen.reads.items())), []).append(expectation)
    for reads, group in distinct.items():
        found |= validate_maps(group, dict(reads), keys.key(dict(reads)), keys, run, True)
    for reads, key, group in _merged([(dict(r), g) for r, g in maps.items()], keys):
        found |= validate_maps(group, reads, key, keys, run)
    left = [e for e in expectations if found[e.check] is None]
    return {c: f for c, f in found.items() if f is not None}, left
