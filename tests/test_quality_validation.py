"""Validating per delivery: a delivery's rows are validated on their own, and a source with one
delivery is validated as it stands, without splitting the frame."""

import pandas as pd

from lineage_pipeline.ingest import DELIVERY
from lineage_pipeline.quality.suites import Expectation, Suite
from lineage_pipeline.quality.validation import _groups, validate_per_delivery

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
