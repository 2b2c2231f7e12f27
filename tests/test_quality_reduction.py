"""Validating on representative rows gives exactly the results of validating every row: hand-made
and seeded random frames with planted failures of every expectation type the suites use (nulls,
values out of set and range, regex hits, long values, duplicates, row conditions, missing pairs),
as object strings and as categoricals, empty and one-row frames. GX runs for real both ways."""

from functools import partial

import numpy as np
import pandas as pd
import pytest

from lineage_pipeline.ingest import FORMULA_START
from lineage_pipeline.quality import keys
from lineage_pipeline.quality.reduction import validate_reduced
from lineage_pipeline.quality.suites import Expectation, Suite
from lineage_pipeline.quality.validation import _run, validate


def _e(check: str, kind: str, **kwargs) -> Expectation:
    return Expectation(check, kind, kwargs, "critical", "", {})


LIVE = {"row_condition": "live == True", "condition_parser": "pandas"}
DEAD = {"row_condition": "live == False", "condition_parser": "pandas"}
NOT_NULL = "expect_column_values_to_not_be_null"
BETWEEN = "expect_column_values_to_be_between"
PAIR = "expect_column_pair_values_a_to_be_greater_than_b"
COMPOUND = "expect_compound_columns_to_be_unique"
CONTAINS = "expect_column_distinct_values_to_contain_set"
LENGTHS = "expect_column_value_lengths_to_be_between"
EVERY_KIND = Suite(
    "every_kind",
    (
        _e(
            "columns_match",
            "expect_table_columns_to_match_set",
            column_set=["id", "kind", "live", "score", "starts", "ends", "note", "column"],
            exact_match=True,
        ),
        _e("id_present", NOT_NULL, column="id"),
        _e("live_id_mostly", NOT_NULL, column="id", mostly=0.99, **LIVE),
        _e("kind_known", "expect_column_values_to_be_in_set", column="kind", value_set=["a", "b"]),
        _e("dead_kind_empty", "expect_column_values_to_be_null", column="kind", **DEAD),
        _e("score_unit", BETWEEN, column="score", min_value=0.0, max_value=1.0),
        _e("score_floor", BETWEEN, column="score", min_value=0.5),
        _e(
            "ends_after_starts", PAIR, column_A="ends", column_B="starts", or_equal=False,
            ignore_row_if="either_value_is_missing",
        ),
        _e(
            "ends_not_before", PAIR, column_A="ends", column_B="starts", or_equal=True,
            ignore_row_if="both_values_are_missing", **LIVE,
        ),
        _e("one_live_per_id_kind", COMPOUND, column_list=["id", "kind"], **LIVE),
        _e("one_per_id_note", COMPOUND, column_list=["id", "note"]),
        _e("id_unique", "expect_column_values_to_be_unique", column="id"),
        _e("kinds_present", CONTAINS, column="kind", value_set=["a", "b"]),
        _e("kinds_all_there", CONTAINS, column="kind", value_set=["a", "q"]),
        _e("note_short", LENGTHS, column="note", min_value=0, max_value=4),
        _e(
            "note_free_of_formulas", "expect_column_values_to_not_match_regex", column="note",
            regex=FORMULA_START.pattern,
        ),
        _e("note_is_word", "expect_column_values_to_match_regex", column="note", regex=r"^\w+$"),
        _e(
            "x_notes_present", NOT_NULL, column="note", row_condition="column == 'x'",
            condition_parser="pandas",
        ),
    ),
)  # fmt: skip
TEXT = ["id", "kind", "note", "column"]


def _frame(rows: int, seed: int, categorical: bool = False) -> pd.DataFrame:
    """Rows drawn from small pools, so most values repeat and every expectation fails somewhere
    (more often than the five examples quoted) once there are a few dozen rows."""
    rng = np.random.default_rng(seed)
    day = np.datetime64("2026-01-01", "ns")

    def pick(pool: list) -> list:
        return [pool[i] for i in rng.integers(0, len(pool), rows)]

    frame = pd.DataFrame(
        {
            "id": pick([f"r{i}" for i in range(rows // 3 + 1)] + [None, np.nan]),
            "kind": pick(["a", "a", "b", "zzz", None, np.nan]),
            "live": rng.random(rows) < 0.7,
            "score": pick([0.0, -0.0, 0.25, 0.5, 1.0, 1.5, -1.0, np.nan]),
            "starts": np.array(pick([day, day, np.datetime64("NaT")]), dtype="datetime64[ns]"),
            "ends": np.array(
                pick([day - np.timedelta64(1, "D"), day, day + np.timedelta64(2, "D"), None]),
                dtype="datetime64[ns]",
            ),
            "note": pick(["ok", "fine", "two words", "=1+1", "-5", "+44 1", "", "x" * 70, None]),
            "column": pick(["x", "y", "y"]),
        }
    )
    if categorical:
        for column in TEXT:
            frame[column] = frame[column].astype("category")
    return frame


def _both(suite: Suite, frame: pd.DataFrame) -> tuple[list, list]:
    return validate(suite, frame, "a", reduce=False), validate(suite, frame, "a", reduce=True)


@pytest.mark.parametrize("categorical", [False, True])
def test_reduced_results_equal_whole_frame_results_with_failures_of_every_kind(categorical):
    frame = _frame(300, seed=1, categorical=categorical)
    whole, reduced = _both(EVERY_KIND, frame)
    assert reduced == whole
    failed = {r.expectation for r in whole if not r.success}
    # Every expectation but the schema one and the met distinct set fails, most of them more
    # than five times (counts are re-weighted, examples are the first failing rows).
    assert failed == {e.check for e in EVERY_KIND.expectations} - {"columns_match", "kinds_present"}
    kind = next(r for r in reduced if r.expectation == "kind_known")
    assert kind.observed.startswith(f"{(frame['kind'].astype(object) == 'zzz').sum()} of 300 ")
    assert kind.observed.count("'zzz' (row ") == 5


@pytest.mark.parametrize(
    ("rows", "seed", "categorical"),
    [(0, 0, False), (0, 0, True), (1, 2, False), (1, 3, True), (7, 4, False), (40, 5, True)],
)
def test_reduced_results_equal_whole_frame_results_on_small_and_empty_frames(
    rows, seed, categorical
):
    whole, reduced = _both(EVERY_KIND, _frame(rows, seed, categorical))
    assert reduced == whole


def test_only_schema_expectations_are_left_to_the_whole_frame():
    frame = _frame(50, seed=6)
    runner, every = partial(_run, EVERY_KIND), list(EVERY_KIND.expectations)
    found, left = validate_reduced(keys.KeyCache(frame, every), every, runner)
    assert [e.check for e in left] == ["columns_match"]
    assert len(found) == len(EVERY_KIND.expectations) - 1


def test_mostly_at_its_boundary_counts_rows_not_distinct_values():
    """Half the given emails readable passes `mostly: 0.5`; one fewer fails. Distinct values
    (one readable, one missing) alone would say 50% either way."""
    suite = Suite(
        "mostly",
        (
            _e(
                "given_emails_readable",
                "expect_column_values_to_not_be_null",
                column="email",
                mostly=0.5,
                row_condition="email_given == True",
                condition_parser="pandas",
            ),
        ),
    )
    half = pd.DataFrame({"email": ["a@b.c"] * 4 + [None] * 4, "email_given": [True] * 8})
    short = half.assign(email=["a@b.c"] * 3 + [None] * 5)
    for frame, passes in ((half, True), (short, False)):
        whole, reduced = _both(suite, frame)
        assert reduced == whole
        assert reduced[0].success is passes


def test_unreducible_columns_and_conditions_are_validated_whole():
    """A column of mixed Python objects, a condition calling a method, a condition on a missing
    column: no exact key, so GX sees every row, with the results it always gave."""
    frame = _frame(30, seed=7).assign(mixed=[1, "1", 1.0, True, None] * 6)
    suite = Suite(
        "whole",
        (
            _e("mixed_known", "expect_column_values_to_be_in_set", column="mixed", value_set=[1]),
            _e(
                "short_kinds", "expect_column_values_to_not_be_null", column="id",
                row_condition="kind.str.len() > 1", condition_parser="pandas",
            ),
            _e(
                "lacking", "expect_column_values_to_not_be_null", column="id",
                row_condition="absent == True", condition_parser="pandas",
            ),
        ),
    )  # fmt: skip
    runner, every = partial(_run, suite), list(suite.expectations)
    found, left = validate_reduced(keys.KeyCache(frame, every), every, runner)
    assert [e.check for e in left] == ["mixed_known", "short_kinds", "lacking"]
    assert found == {}
    whole, reduced = _both(suite, frame)
    assert reduced == whole
    assert not reduced[2].success


def _codes(column: pd.Series, kind: str) -> list[int] | None:
    coded = keys.KeyCache(column.to_frame("c"), []).column("c", kind)
    return None if coded is None else coded.codes.tolist()


def test_keys_join_only_values_gx_cannot_tell_apart():
    assert _codes(pd.Series([0.0, -0.0, np.nan, 0.0]), keys.VALUE) == [0, 1, 2, 0]
    texts = pd.Series(["a", None, np.nan, "a", None])
    assert _codes(texts, keys.VALUE) == [0, 1, 2, 0, 1]  # None and NaN apart
    assert _codes(texts, keys.NULL) == [0, 1, 1, 0, 1]
    assert _codes(pd.Series(["ab", "cd", "e", None]), keys.LENGTH) == [0, 0, 1, 2]
    assert _codes(pd.Series([1, "1"], dtype=object), keys.VALUE) is None  # 1 == "1"? no key
    assert _codes(pd.Series(["b", "a", None, "b"], dtype="category"), keys.VALUE) == [1, 0, 2, 1]
    assert _codes(pd.Series([1, 2], dtype="category"), keys.LENGTH) is None


def test_representatives_stand_for_every_row_of_their_key():
    key = keys.combine(
        [keys.Codes(np.array([0, 1, 0, 1, 0, 2]), 3), keys.Codes(np.array([0, 0, 0, 0, 1, 1]), 2)]
    )
    chosen = keys.representatives(key)
    # Four distinct combinations: (0,0) rows 0 and 2, (1,0) rows 1 and 3, (0,1) 4, (2,1) 5.
    assert chosen.weight.tolist() == [2, 2, 1, 1]
    assert chosen.of_row.tolist() == [0, 1, 0, 1, 2, 3]
    assert all(key.codes[r] == key.codes[chosen.rows[chosen.of_row[r]]] for r in range(6))
    assert chosen.rows.tolist() == sorted(chosen.rows.tolist())


def test_combined_keys_are_the_same_by_dense_table_and_by_hashing(monkeypatch):
    rng = np.random.default_rng(3)
    parts = [keys.Codes(rng.integers(0, n, 5000), n) for n in (700, 40, 9)]
    dense = keys.combine(parts)
    monkeypatch.setattr(keys, "_DENSE", 0)
    monkeypatch.setattr(keys, "_DENSE_PER_ROW", 0)
    hashed = keys.combine(parts)
    # The same combinations are told apart; codes are dense in both.
    pairs = set(zip(dense.codes.tolist(), hashed.codes.tolist(), strict=True))
    assert len(pairs) == dense.size == hashed.size == len({c for c, _ in pairs})
    assert sorted(set(dense.codes.tolist())) == list(range(dense.size))
    joint = (parts[0].codes.astype(np.int64) * 40 + parts[1].codes) * 9 + parts[2].codes
    assert dense.size == len(np.unique(joint))
    assert (np.argsort(np.unique(joint)) == np.arange(dense.size)).all()
    assert (dense.codes == np.unique(joint, return_inverse=True)[1]).all()  # in key order
