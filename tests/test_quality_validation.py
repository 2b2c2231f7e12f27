"""Validating per delivery: a delivery's rows are validated on their own, and a source with one
delivery is validated as it stands, without splitting the frame. Parts of a suite that read no
column in common are validated on every core with the same results as in one process."""

import os

import pandas as pd

from lineage_pipeline import forked
from lineage_pipeline.ingest import DELIVERY
from lineage_pipeline.quality import validation
from lineage_pipeline.quality.results import QualityResult
from lineage_pipeline.quality.suites import Expectation, Suite
from lineage_pipeline.quality.validation import (
    _groups,
    column_parts,
    validate,
    validate_per_delivery,
)

PRESENT = Expectation(
    check="name_present",
    type="expect_column_values_to_not_be_null",
    kwargs={"column": "name"},
    severity="critical",
    description="",
    meta={},
)
SUITE = Suite(name="s", expectations=(PRESENT,))


def test_one_delivery_is_the_frame_itself_and_several_are_split_by_name():
    one = pd.DataFrame({DELIVERY: ["d/a.csv"] * 3, "name": ["x", None, "z"]})
    [(name, group)] = _groups(one)
    assert name == "a.csv"
    assert group is one
    two = pd.DataFrame({DELIVERY: ["d/b.csv", "d/a.csv", "d/b.csv"], "name": ["x", None, "z"]})
    assert [(n, list(g.index)) for n, g in _groups(two)] == [("a.csv", [1]), ("b.csv", [0, 2])]


def test_a_failure_names_its_delivery_with_one_delivery_or_several():
    one = pd.DataFrame({DELIVERY: ["d/a.csv"] * 3, "name": ["x", None, "z"]})
    [result] = validate_per_delivery(SUITE, one, "asset")
    assert not result.success
    assert result.observed.startswith("a.csv: 1 of 3")
    two = pd.DataFrame({DELIVERY: ["d/b.csv", "d/a.csv", "d/b.csv"], "name": ["x", None, "z"]})
    [result] = validate_per_delivery(SUITE, two, "asset")
    assert not result.success
    assert result.observed.startswith("a.csv: 1 of 1")
    assert "b.csv" not in result.observed  # only the failing delivery is named


def _expectation(check: str, type_: str, **kwargs) -> Expectation:
    return Expectation(
        check=check, type=type_, kwargs=kwargs, severity="critical", description="", meta={}
    )


MIXED = Suite(
    name="mixed",
    expectations=(
        _expectation("columns", "expect_table_columns_to_match_set", column_set=["a", "b", "c"]),
        _expectation("a_present", "expect_column_values_to_not_be_null", column="a"),
        _expectation("b_small", "expect_column_values_to_be_between", column="b", max_value=5),
        _expectation(
            "a_before_c",
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A="c",
            column_B="a",
        ),
        _expectation("b_unique", "expect_column_values_to_be_unique", column="b"),
    ),
)


def test_expectations_sharing_a_column_are_one_part_the_widest_first():
    parts = column_parts(MIXED.expectations)
    assert [[e.check for e in part] for part in parts] == [
        ["a_present", "a_before_c"],  # both read `a`: one part codes it once
        ["b_small", "b_unique"],
        ["columns"],  # reads no column: a part of its own
    ]


def _worker_pid(_: pd.DataFrame) -> QualityResult:
    return QualityResult("mixed", "asset", "pid", None, True, str(os.getpid()), "", "warning")


def test_parts_on_every_core_give_one_processs_results_in_suite_order(monkeypatch):
    frame = pd.DataFrame({"a": [1, None, 3, 4], "b": [1, 9, 1, 2], "c": [2, 3, 1, 5]})
    also = [lambda: _worker_pid(frame)]
    monkeypatch.setenv(forked.WORKERS_ENV, "1")
    alone = validate(MIXED, frame, "asset", also=also)
    monkeypatch.setenv(forked.WORKERS_ENV, "2")
    monkeypatch.setattr(validation, "FORK_ROWS", 0)
    forked.take_worker_peak_mb()
    shared = validate(MIXED, frame, "asset", also=also)
    assert forked.take_worker_peak_mb() > 0  # a worker took part
    assert [r.expectation for r in shared] == [*(e.check for e in MIXED.expectations), "pid"]
    assert shared[:-1] == alone[:-1]
    assert [r.success for r in shared[:-1]] == [True, False, False, False, False]
    assert "(row 2)" in shared[1].observed  # failing rows still named as in one process
