"""Validating a bound suite with Great Expectations: a DataFrame in, one QualityResult per
expectation out, in suite order (GX returns results in its own order).

One ephemeral GX context per process. GX judges most expectations on the few rows that decide
them (`reduction`), the others on the `batches` of the whole frame; either way the results
are GX's on the whole frame, and observed values are described from the frame as given (file,
row and column of a failure).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cache, partial
from pathlib import Path
from typing import Any

import pandas as pd

from lineage_pipeline.forked import run_tasks, workers
from lineage_pipeline.ingest import DELIVERY
from lineage_pipeline.quality.batches import SCHEMA_EXPECTATIONS, batches, columns_read
from lineage_pipeline.quality.keys import Factorized, KeyCache
from lineage_pipeline.quality.reduction import validate_reduced
from lineage_pipeline.quality.results import (
    SAMPLE,
    QualityResult,
    describe_expected,
    describe_observed,
)
from lineage_pipeline.quality.suites import Expectation, Suite, to_gx_suite

# Frames with fewer rows are validated in one process. Forking a process of gigabytes costs a
# page fault for each page either side writes next; measured at a million customers, suites on
# frames of 250,000-600,000 rows gained 0.1-0.3 s or lost as much, those on 1M-7M rows 1.2-3 s.
FORK_ROWS = 750_000
# SUMMARY keeps the positions of the failing values (for "file row N"); a few are enough.
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE}


@cache
def _batch_definition() -> Any:
    """One ephemeral GX context and pandas data source per process (the import is slow)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("lineage_frames").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def prepare() -> None:
    """Import GX and make this process's context now rather than at the first validation: a run
    freezes what exists before it out of garbage collection, and GX's imports are a hundred
    thousand objects that every collection would otherwise scan again."""
    from great_expectations.validator.v1_validator import Validator  # noqa: F401

    _batch_definition()


def _run(
    suite: Suite,
    expectations: list[Expectation],
    frame: pd.DataFrame,
    result_format: Mapping[str, Any] = RESULT_FORMAT,
) -> dict[str, Any]:
    """One GX validation of `expectations` on `frame`: its results by check name."""
    # The validator Batch.validate and ValidationDefinition.run both build, made directly: a
    # Batch would load (fingerprint) the frame once more before validating it.
    from great_expectations.validator.v1_validator import Validator

    validator = Validator(
        batch_definition=_batch_definition(),
        batch_parameters={"dataframe": frame},
        result_format=dict(result_format),
    )
    outcome = validator.validate_expectation_suite(
        to_gx_suite(replace(suite, expectations=tuple(expectations)))
    )
    return {r.expectation_config.meta["check"]: r for r in outcome.results}


def _result(
    expectation: Expectation, found: Any, frame: pd.DataFrame, suite: str, asset: str
) -> QualityResult:
    failure = (found.exception_info or {}).get("exception_message")
    observed = (
        f"could not evaluate: {failure}"
        if failure
        else describe_observed(found.result, frame, expectation.kwargs.get("column"))
    )
    return QualityResult(
        suite=suite,
        asset=asset,
        expectation=expectation.check,
        column=expectation.kwargs.get("column"),
        success=bool(found.success),
        observed=observed,
        expected=describe_expected(expectation.type, expectation.kwargs),
        severity=expectation.severity,
    )


def validate(
    suite: Suite,
    frame: pd.DataFrame,
    asset: str,
    reduce: bool = True,
    known: Mapping[str, Factorized] | None = None,
    also: Sequence[Callable[[], QualityResult]] = (),
) -> list[QualityResult]:
    """Validate a bound suite on a DataFrame; results in suite order, one per expectation, then
    one per `also` (further checks of the frame, run among the expectations). `reduce` shows GX
    the rows that decide each expectation (`reduction`) rather than all of them; the results
    are the same either way. `known`: columns coded as the frame was built
    (`views.coded_delivery_view`). Parts that read no column in common run on every core
    (`forked`)."""
    if not frame.index.equals(pd.RangeIndex(len(frame))):
        frame = frame.copy(deep=False)  # GX reports failing rows by index: make it positions
        frame.index = pd.RangeIndex(len(frame))
    # Split only to share: in one process, one part lets GX validate more expectations at once.
    share = len(frame) >= FORK_ROWS and workers() > 1
    parts = column_parts(suite.expectations) if share else [list(suite.expectations)]
    tasks: list[Callable[[], list[QualityResult]]] = [
        partial(_validate_part, suite, part, frame, asset, reduce, known) for part in parts
    ]
    tasks += [partial(_as_list, check) for check in also]
    done = run_tasks(tasks, parallel=share)
    found = {r.expectation: r for results in done[: len(parts)] for r in results}
    return [found[e.check] for e in suite.expectations] + [r for [r] in done[len(parts) :]]


def _as_list(check: Callable[[], QualityResult]) -> list[QualityResult]:
    return [check()]


def column_parts(expectations: Sequence[Expectation]) -> list[list[Expectation]]:
    """The expectations in parts that read no column in common, so each column is coded by one
    part alone; the parts reading most columns first (they tend to take longest). An
    expectation whose columns are unclear is a part of its own."""
    owner: dict[str, int] = {}
    parts: list[list[Expectation]] = []
    columns: list[set[str]] = []
    for expectation in expectations:
        read = columns_read(expectation)
        joined = sorted({owner[c] for c in read or () if c in owner})
        if not joined:
            parts.append([expectation])
            columns.append(set(read or ()))
            into = len(parts) - 1
        else:
            into = joined[0]
            for other in reversed(joined[1:]):  # later parts fold into the first they share
                parts[into] += parts[other]
                columns[into] |= columns[other]
                parts[other], columns[other] = [], set()
            parts[into].append(expectation)
            columns[into] |= read or set()
        for column in columns[into]:
            owner[column] = into
    order = {e.check: i for i, e in enumerate(expectations)}
    made = [(part, read) for part, read in zip(parts, columns, strict=True) if part]
    made.sort(key=lambda kept: -len(kept[1]))  # the columns each part reads, gathered above
    return [sorted(part, key=lambda e: order[e.check]) for part, _ in made]


def _validate_part(
    suite: Suite,
    expectations: list[Expectation],
    frame: pd.DataFrame,
    asset: str,
    reduce: bool,
    known: Mapping[str, Factorized] | None,
) -> list[QualityResult]:
    found: dict[str, Any] = {}
    left, compact = expectations, None
    if reduce and len(frame):
        keys = KeyCache(frame, left, known)
        found, left = validate_reduced(keys, left, partial(_run, suite))
        compact = keys.compact() if any(e.type not in SCHEMA_EXPECTATIONS for e in left) else None
    for batch in batches(frame, left, compact):
        found |= _run(suite, batch.expectations, batch.frame)
    return [_result(e, found[e.check], frame, suite.name, asset) for e in expectations]


def _groups(frame: pd.DataFrame) -> Iterable[tuple[str, pd.DataFrame]]:
    if not len(frame):
        yield "(no rows)", frame
        return
    codes, deliveries = pd.factorize(frame[DELIVERY])
    if len(deliveries) == 1 and codes.min() == 0:
        # One delivery: the group is the frame (a groupby takes every column: 0.5 s at 1M rows).
        yield Path(str(deliveries[0])).name, frame
        return
    for key, group in frame.groupby(DELIVERY, sort=True, observed=True):
        yield Path(str(key)).name, group


# A view's frame with the columns it coded as it built them.
Coded = tuple[pd.DataFrame, Mapping[str, Factorized]]


def _validate_made(
    suite: Suite, made: pd.DataFrame | Coded, asset: str, reduce: bool
) -> list[QualityResult]:
    frame, known = made if isinstance(made, tuple) else (made, None)
    return validate(suite, frame, asset, reduce, known)


def validate_per_delivery(
    suite: Suite,
    frame: pd.DataFrame,
    asset: str,
    view: Callable[[pd.DataFrame], pd.DataFrame | Coded] | None = None,
    reduce: bool = True,
) -> list[QualityResult]:
    """Validate each delivery (`_delivery`) on its own; a check fails if any delivery fails it,
    and its observed value names the failing deliveries. `view`, when given, turns one
    delivery's rows into the frame the suite reads (built and dropped one delivery at a time)."""
    runs: Mapping[str, list[QualityResult]] = {
        name: _validate_made(suite, view(group) if view else group, asset, reduce)
        for name, group in _groups(frame)
    }
    combined = []
    for position, first in enumerate(next(iter(runs.values()))):
        outcomes = {name: run[position] for name, run in runs.items()}
        failed = {name: r for name, r in outcomes.items() if not r.success}
        shown = failed or outcomes
        observed = "; ".join(f"{name}: {r.observed}" for name, r in shown.items())
        combined.append(replace(first, success=not failed, observed=observed))
    return combined
