"""What GX is shown: each suite's expectations split into batches of the columns they read, with
strings as categoricals, validated for real, giving the results one batch of the whole frame
gives. Hand-made frames with planted failures; GX runs for real (one context per session)."""

import numpy as np
import pandas as pd
import pytest

from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.ingest import ingest_source
from lineage_pipeline.quality import gates, views
from lineage_pipeline.quality.batches import batches
from lineage_pipeline.quality.results import RESULT_COLUMNS, describe_expected, describe_observed
from lineage_pipeline.quality.suites import Expectation, Suite, to_gx_suite
from lineage_pipeline.quality.validation import RESULT_FORMAT, _batch_definition, validate
from tests.conftest import NOW


def _expectation(check: str, kind: str, **kwargs) -> Expectation:
    return Expectation(check, kind, kwargs, "critical", "", {})


SUITE = Suite(
    "planted",
    (
        _expectation(
            "columns_match",
            "expect_table_columns_to_match_set",
            column_set=["id", "kind", "note", "starts", "ends", "current", "tags"],
            exact_match=True,
        ),
        _expectation("id_present", "expect_column_values_to_not_be_null", column="id"),
        _expectation(
            "kind_known", "expect_column_values_to_be_in_set", column="kind", value_set=["a", "b"]
        ),
        _expectation(
            "note_is_word", "expect_column_values_to_match_regex", column="note", regex=r"^\w+$"
        ),
        _expectation(
            "ends_after_starts",
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A="ends",
            column_B="starts",
            or_equal=False,
            ignore_row_if="either_value_is_missing",
        ),
        _expectation(
            "current_has_kind",
            "expect_column_values_to_not_be_null",
            column="kind",
            row_condition="current == True",
            condition_parser="pandas",
        ),
        _expectation(
            "one_current_per_id",
            "expect_compound_columns_to_be_unique",
            column_list=["id", "kind"],
            row_condition="current == True",
            condition_parser="pandas",
        ),
    ),
)


def _planted() -> pd.DataFrame:
    """Eight rows, each expectation but the first failing somewhere."""
    day = pd.Timestamp("2026-01-01")
    return pd.DataFrame(
        {
            "id": ["r1", "r2", None, "r4", "r5", "r6", "r6", "r8"],
            "kind": ["a", "b", "a", "zzz", None, "a", "a", "b"],
            "note": ["ok", "two words", "ok", None, "fine", "x", "y", "=1+1"],
            "starts": [day] * 8,
            "ends": [day + pd.Timedelta(days=d) for d in (1, 1, 0, 2, 1, 1, 1, -1)],
            "current": [True, True, True, False, True, True, True, False],
            "tags": [["t"], [], None, ["t"], ["u"], ["t"], ["t"], ["u"]],
        }
    )


def _one_batch_of_the_whole_frame(suite: Suite, frame: pd.DataFrame) -> list[tuple]:
    """The reference: GX validating the untouched frame in one batch, through a GX Batch."""
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    outcome = batch.validate(to_gx_suite(suite), result_format=RESULT_FORMAT)
    by_check = {r.expectation_config.meta["check"]: r for r in outcome.results}
    return [
        (
            e.check,
            bool(by_check[e.check].success),
            describe_observed(by_check[e.check].result, frame),
            describe_expected(e.type, e.kwargs),
        )
        for e in suite.expectations
    ]


def test_each_expectation_is_in_one_batch_of_the_columns_it_reads():
    frame = _planted()
    made = list(batches(frame, list(SUITE.expectations)))
    checks = [e.check for batch in made for e in batch.expectations]
    assert sorted(checks) == sorted(e.check for e in SUITE.expectations)
    shown = {tuple(e.check for e in batch.expectations): batch.frame for batch in made}
    schema = shown[("columns_match",)]
    assert (list(schema.columns), len(schema)) == (list(frame.columns), 0)  # no rows to read
    shared = shown[("id_present", "kind_known", "note_is_word")]
    assert list(shared.columns) == ["id", "kind", "note"]  # never the list column
    # Strings become categoricals of the same strings, except those read as text.
    assert isinstance(shared["id"].dtype, pd.CategoricalDtype)
    assert shared["id"].astype(object).where(shared["id"].notna(), None).tolist() == list(
        frame["id"]
    )
    assert shared["note"].dtype == object
    # Expectations that filter rows on cheap columns copy only those columns.
    assert list(shown[("ends_after_starts",)].columns) == ["starts", "ends"]
    assert list(shown[("current_has_kind",)].columns) == ["kind", "current"]
    assert list(shown[("one_current_per_id",)].columns) == ["id", "kind", "current"]
    assert all(
        len(b.frame) == len(frame) for b in made if b.expectations[0].check != "columns_match"
    )


def test_batched_results_equal_one_gx_batch_of_the_whole_frame():
    frame = _planted()
    reference = _one_batch_of_the_whole_frame(SUITE, frame)
    results = validate(SUITE, frame, "planted")
    assert [(r.expectation, r.success, r.observed, r.expected) for r in results] == reference
    assert [r.success for r in results] == [True, False, False, False, False, False, False]
    # Failing values are quoted with their row, through categoricals and narrowed batches.
    kind = next(r for r in results if r.expectation == "kind_known")
    assert kind.observed == "1 of 8 values unexpected: 'zzz' (row 4)"


def test_a_row_condition_on_a_column_the_frame_lacks_fails_as_in_one_batch():
    suite = Suite(
        "lacking",
        (
            _expectation(
                "kind_when_live",
                "expect_column_values_to_not_be_null",
                column="kind",
                row_condition="live == True",
                condition_parser="pandas",
            ),
            _expectation("id_present", "expect_column_values_to_not_be_null", column="id"),
        ),
    )
    frame = _planted()
    results = validate(suite, frame, "planted")
    reference = _one_batch_of_the_whole_frame(suite, frame)
    assert [(r.expectation, r.success, r.observed, r.expected) for r in results] == reference
    assert [r.success for r in results] == [False, False]
    assert results[1].observed == "1 of 8 values unexpected: row 3"


def _melted(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The triples as the suite was first written for: pandas melt of the blank-marked cells."""
    text = rows[columns].astype(object)
    stripped = text.apply(lambda c: c.map(lambda v: v.strip() if isinstance(v, str) else v))
    wide = text.where(stripped.notna() & (stripped != ""), None)
    wide["_delivery"], wide["_row_number"] = rows["_delivery"], rows["_row_number"]
    return wide.melt(id_vars=["_delivery", "_row_number"], var_name="column", value_name="value")


def test_delivery_view_holds_the_melted_cells_without_melting(project):
    contract = load_contracts(project.contracts_dir).get("vendor")
    rows = ingest_source(contract, NOW).records.copy()
    rows.loc[0, "title"], rows.loc[1, "company"], rows.loc[2, "size"] = "  ", None, np.nan
    view = views.delivery_view(rows, contract)
    columns = [c for c in contract.mapped_columns() if c in rows]
    melted = _melted(rows, columns)
    assert len(view) == len(rows) * len(columns) == len(melted)
    for name in ("_delivery", "_row_number", "column"):
        assert view[name].astype(object).tolist() == melted[name].tolist(), name
    assert view["value"].tolist() == melted["value"].where(melted["value"].notna(), None).tolist()
    assert view["column"].cat.categories.tolist() == columns
    assert view["value"].iloc[len(rows) * columns.index("title")] is None  # blank is missing


def test_records_gate_names_the_delivery_row_and_column_of_a_blank_record_id(project):
    contract = load_contracts(project.contracts_dir).get("vendor")
    records = ingest_source(contract, NOW)
    records.records.loc[3, "vid"] = " "
    results = {r.expectation: r for r in gates.check_records(records, contract, "r")}
    missing = results["record_id_present"]
    assert not missing.success
    assert missing.observed == (
        "vendor_2026-10-01.csv: 1 of 5 values unexpected: vendor_2026-10-01.csv row 5 column vid"
    )
    assert [r.expectation for r in results.values() if not r.success] == ["record_id_present"]


@pytest.mark.parametrize("rows", [0, 1])
def test_empty_and_one_row_frames_validate(rows):
    frame = _planted().head(rows)
    results = validate(SUITE, frame, "planted")
    assert [r.expectation for r in results] == [e.check for e in SUITE.expectations]
    assert set(RESULT_COLUMNS) >= {"suite", "expectation", "observed"}
