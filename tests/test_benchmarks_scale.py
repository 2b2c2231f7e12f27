"""The scale benchmark: its parts on hand-made inputs, and the 10k size end to end as a smoke test
(no timing assert: CI machines vary; the figures are for people, in benchmarks/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from benchmarks import _report as report
from benchmarks import scale
from benchmarks._child import run_child
from benchmarks._memory import PeakMemory
from benchmarks._pipeline import stage_of
from benchmarks._workload import ISSUE_COVERAGE, SAMPLES, point_contracts


def _emit_and_return(emit, value: int) -> int:
    emit("note", f"got {value}")
    return value * 2


def _sleep_forever(emit) -> None:
    import time

    emit("note", "sleeping")
    time.sleep(600)


def test_stage_of_names_every_kind_of_step():
    assert stage_of("published_state") == "state"
    assert stage_of("sources__acme_b2b__records") == "ingest"
    assert stage_of("sources__acme_b2b__identities") == "standardise"
    assert stage_of("sources__acme_b2b__links") == "link"
    assert stage_of("sources__acme_b2b__links__quality") == "checks"
    assert stage_of("customer_fields") == "merge"
    assert stage_of("warehouse") == "publish"
    assert stage_of("something_new") == "other"


def test_stages_sum_time_and_take_the_highest_peak():
    def step(name: str, stage: str, seconds: float, peak: float) -> dict:
        return {"step": name, "stage": stage, "seconds": seconds, "cpu_s": 1.0, "peak_mb": peak}

    steps = [
        step("a__records", "ingest", 1.0, 100.0),
        step("b__records", "ingest", 2.5, 300.0),
        step("warehouse", "publish", 0.5, 200.0),
        step("published_state", "state", 0.1, 50.0),
    ]
    # In pipeline order, whatever order the steps ran in.
    assert report.stages(steps) == [
        {"stage": "state", "steps": 1, "seconds": 0.1, "cpu_s": 1.0, "peak_mb": 50.0},
        {"stage": "ingest", "steps": 2, "seconds": 3.5, "cpu_s": 2.0, "peak_mb": 300.0},
        {"stage": "publish", "steps": 1, "seconds": 0.5, "cpu_s": 1.0, "peak_mb": 200.0},
    ]


def test_peak_memory_window_sees_an_allocation_and_forgets_it_after_a_reset():
    memory = PeakMemory()
    before = memory.take()
    block = b"x" * (64 * 2**20)  # 64 MB, written, so resident
    del block
    during = memory.take()
    assert during >= before + 50
    if memory.resettable:
        assert memory.peak_mb() < during - 50


def test_contracts_outside_the_samples_keep_their_path_and_are_reported(tmp_path: Path):
    source = tmp_path / "contracts"
    source.mkdir()
    purposes = "purposes:\n  analytics: Reporting  # kept as written\n"
    (source / "purposes.yaml").write_text(purposes)
    (source / "other.yaml").write_text(
        yaml.safe_dump({"name": "other", "delivery": {"path": "/elsewhere/*.csv"}})
    )
    elsewhere = point_contracts(source, tmp_path / "out", tmp_path / "generated")
    other = yaml.safe_load((tmp_path / "out" / "other.yaml").read_text())
    assert other["delivery"]["path"] == "/elsewhere/*.csv"
    assert elsewhere == ["other"]
    assert (tmp_path / "out" / "purposes.yaml").read_text() == purposes


def test_repository_contracts_point_under_the_generated_folder(tmp_path: Path):
    contracts = Path(__file__).resolve().parents[1] / "contracts"
    elsewhere = point_contracts(contracts, tmp_path / "contracts", tmp_path / "generated")
    assert elsewhere == []
    for path in (tmp_path / "contracts").glob("*.yaml"):
        document = yaml.safe_load(path.read_text())
        if "delivery" in document:
            glob = Path(document["delivery"]["path"])
            assert glob.is_relative_to(tmp_path / "generated")
            assert not glob.is_relative_to(SAMPLES)


def test_child_relays_events_and_result():
    events: list[tuple[str, object]] = []
    outcome = run_child(_emit_and_return, (21,), timeout=120, on_event=lambda *e: events.append(e))
    assert outcome.result == 42
    assert events == [("note", "got 21")]


def test_child_is_stopped_at_its_timeout_keeping_its_events():
    outcome = run_child(_sleep_forever, (), timeout=5)
    assert outcome.timed_out
    assert outcome.result is None
    assert outcome.events == [("note", "sleeping")]


def test_table_aligns_text_left_and_numbers_right():
    text = report.table(["name", "seconds"], [["a", 1.5], ["long name", 12.25]])
    lines = text.splitlines()
    assert lines[0] == "name       seconds"
    assert lines[2] == "a             1.50"
    assert lines[3] == "long name    12.25"


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_scale_10k_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """The whole benchmark at 10k: every stage timed, memory measured, scores written."""
    code = scale.main(["--customers", "10k", "--out", str(tmp_path), "--no-lookups"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    record = json.loads((tmp_path / "scale-10000.json").read_text())
    pipeline = record["pipeline"]
    assert pipeline["success"], pipeline.get("failures")
    assert {"ingest", "standardise", "link", "merge", "publish"} <= {
        s["stage"] for s in pipeline["stages"]
    }
    assert all(step["seconds"] >= 0 and step["peak_mb"] > 0 for step in pipeline["steps"])
    assert record["customers"] == 10_000
    assert record["coverage"] == ISSUE_COVERAGE  # issue 7's workload shape by default
    assert record["vendor_rows"] > 5_000
    # The data reached the warehouse (a wrong contracts rewrite would score nothing).
    assert pipeline["scores"]["labelled"] == 70_000
    assert pipeline["scores"]["recall"] > 0.5
    assert "whole run" in printed


def test_coverage_scales_the_person_vendors_and_nothing_else():
    """Issue 7's workload has fewer vendor rows a customer than the samples: coverage scales
    the two person vendors; customers, the register and the truth's shape stay."""
    from scripts.samples import ACME_FILES, CUSTOMERS_FILE, PANEL_FILE, REGISTER_FILE, build

    full, scaled = build(2000, 7).tables, build(2000, 7, coverage=0.5).tables
    assert full[CUSTOMERS_FILE].equals(scaled[CUSTOMERS_FILE])
    for name in (*ACME_FILES, PANEL_FILE):
        assert 0.35 < len(scaled[name]) / len(full[name]) < 0.65, name
    assert len(scaled[REGISTER_FILE]) == len(full[REGISTER_FILE])
    assert len(scaled["truth.csv"]) == len(full["truth.csv"])
