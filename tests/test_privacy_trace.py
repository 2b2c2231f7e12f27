"""Trace: each value's source, contract, delivery, match waterfall, purposes, dates and verdict."""

from datetime import datetime
from pathlib import Path

import pytest

from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy.correct import correct
from lineage_pipeline.privacy.trace import as_of_moment, trace, waterfall
from lineage_pipeline.settings import Settings
from tests.privacy_support import build_template, contracts_of, copy_of, file_sha256, scalar


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_template(tmp_path_factory.mktemp("trace"))


@pytest.fixture
def warehouse(template: Settings, tmp_path: Path) -> Settings:
    return copy_of(template, tmp_path)


def values_of(result: dict, field: str) -> list[dict]:
    return next(f["values"] for f in result["fields"] if f["field"] == field)


def test_a_vendor_value_carries_its_whole_lineage(warehouse: Settings):
    result = trace(warehouse.warehouse_path, "C1", "job_title")
    (value,) = values_of(result, "job_title")
    assert value["value"] == "Engineer"
    assert (value["source"], value["supplier"], value["licence"]) == (
        "vendor",
        "Vendor Ltd",
        "internal use",
    )
    assert value["legal_basis"] == "legitimate_interests"
    assert value["source_record_id"] == "V1"
    assert value["delivery_sha256"] == file_sha256(Path(value["delivery"]))
    assert value["purposes"] == ["marketing", "analytics"]
    assert value["acquired_at"].startswith("2026-10-01")
    assert value["expires_at"].startswith("2027-10-01")
    run_id = scalar(warehouse, "SELECT run_id FROM runs")
    assert value["run_id"] == run_id
    assert value["status"] == "in use"
    assert value["why"] == "only value in force"
    # The waterfall: prior plus each compared field's weight gives the stored match weight.
    stored = scalar(
        warehouse,
        "SELECT match_weight FROM match_evidence "
        "WHERE source_record_id = 'V1' AND customer_id = 'C1'",
    )
    assert value["match"]["total_weight"] == pytest.approx(stored, abs=0.01)
    assert "email exact +" in value["match"]["text"]
    assert value["match"]["text"].startswith("prior ")
    assert "->" in value["match"]["text"]


def test_the_winner_among_two_vendor_records_is_explained(warehouse: Settings):
    values = values_of(trace(warehouse.warehouse_path, "C2", "job_title"), "job_title")
    assert sorted(v["source_record_id"] for v in values) == ["V2", "V3"]
    (winner,) = [v for v in values if v["status"] == "in use"]
    (loser,) = [v for v in values if v["status"] == "held"]
    assert winner["why"].startswith("wins: match probability")
    assert loser["why"].startswith(f"loses to vendor {winner['source_record_id']}")
    assert winner["match_probability"] > loser["match_probability"]


def test_a_correction_wins_and_as_of_shows_what_was_held_before_it(warehouse: Settings):
    later = Settings(
        contracts_dir=warehouse.contracts_dir,
        warehouse_path=warehouse.warehouse_path,
        pinned_now=datetime(2026, 12, 1),
    )
    correct(later, "C1", "job_title", "Head of Engineering", contracts_of(later))
    now = values_of(trace(warehouse.warehouse_path, "C1", "job_title"), "job_title")
    assert [(v["value"], v["status"]) for v in now] == [
        ("Engineer", "held"),
        ("Head of Engineering", "in use"),
    ]
    assert now[1]["why"] == "wins: a correction by the customer beats every source"
    before = trace(warehouse.warehouse_path, "C1", "job_title", as_of_moment("2026-11-15"))
    assert [(v["value"], v["status"]) for v in values_of(before, "job_title")] == [
        ("Engineer", "in use")
    ]
    nothing = trace(warehouse.warehouse_path, "C1", "job_title", as_of_moment("2026-09-01"))
    assert nothing["fields"] == []


def test_all_fields_and_plain_errors(warehouse: Settings):
    fields = {f["field"] for f in trace(warehouse.warehouse_path, "C1")["fields"]}
    assert {"email", "city", "job_title", "company_size"} <= fields
    with pytest.raises(LineageError, match="holds nothing"):
        trace(warehouse.warehouse_path, "C99")
    with pytest.raises(LineageError, match="not a date"):
        as_of_moment("last tuesday")


def test_waterfall_text_reads_like_a_sum():
    comparisons = (
        '{"email": {"similarity": 1.0, "level": "exact", "weight": 8.1},'
        ' "surname": {"similarity": 0.93, "level": "close", "weight": 4.2},'
        ' "date_of_birth": {"similarity": null, "level": "missing", "weight": 0.0}}'
    )
    explained = waterfall(comparisons, 1.5, 0.998)
    assert explained["text"] == (
        "prior +1.5, email exact +8.1, surname 0.93 +4.2, date of birth missing 0 -> 0.998"
    )
    assert explained["total_weight"] == pytest.approx(13.8)
