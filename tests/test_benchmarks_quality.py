"""The linkage quality benchmark (benchmarks/linkage_quality.py): a cheap smoke run on small
labelled data, and its scoring and chart helpers on hand-made values. No timing asserts."""

import contextlib
import io
import json
from pathlib import Path

import pytest

from benchmarks.linkage_quality import main
from benchmarks.quality_data import FEBRL_FIELD, febrl4_dataset
from benchmarks.quality_scores import best_per_record, link_scores
from lineage_pipeline.link.histogram import probability_histogram


def test_link_scores_count_hits_misses_and_false_links():
    truth = frozenset({("V1", "C1"), ("V2", "C2"), ("V3", "C3")})
    # V1 right, V2 to the wrong customer, V3 missed: 1 hit of 2 predicted, 1 of 3 true.
    scores = link_scores([("V1", "C1"), ("V2", "C9")], truth)
    assert (scores.predicted, scores.true_positives, scores.true_links) == (2, 1, 3)
    assert scores.precision == pytest.approx(0.5)
    assert scores.recall == pytest.approx(1 / 3)


def test_best_per_record_keeps_each_source_records_most_probable_customer():
    pairs = [("V1", "C1", 0.95), ("V1", "C2", 0.99), ("V2", "C3", 0.91)]
    assert sorted(best_per_record(pairs)) == [("V1", "C2"), ("V2", "C3")]


def test_histogram_makes_the_threshold_a_bin_edge_and_counts_every_pair():
    chart = probability_histogram([0.0, 0.2, 0.85, 0.9, 0.97, 1.0], threshold=0.9)
    lines = chart.splitlines()
    assert lines[0] == lines[-1] == "```"
    assert "[0.9, 0.95)" in next(line for line in lines if "accepted from here" in line)
    assert "6 pairs, 3 at or above the threshold 0.9" in chart


def test_febrl4_becomes_a_deployment_whose_enrichment_field_is_the_b_record_id(tmp_path: Path):
    dataset = febrl4_dataset(tmp_path, limit=20)
    truth = (tmp_path / "truth.csv").read_text().splitlines()
    # 20 A records, each with its one B partner: rec-N-org -> rec-N-dup-0.
    assert len(truth) == 21
    assert truth[1].startswith("rec-")
    assert f",{FEBRL_FIELD},rec-" in truth[1]
    assert len(dataset.links[0].pairs) == 20
    assert {p.name for p in dataset.contracts_dir.iterdir()} == {
        "purposes.yaml",
        "febrl4_a.yaml",
        "febrl4_b.yaml",
    }


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """Both datasets, small: 400 generated customers and the first 300 FEBRL4 pairs."""
    out = tmp_path_factory.mktemp("linkage_quality")
    argv = ["--datasets", "samples,febrl4", "--customers", "400", "--febrl-limit", "300"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main([*argv, "--in-process", "--out", str(out)])
    assert code == 0
    return printed.getvalue(), json.loads((out / "linkage_quality.json").read_text())


def _ours(report: dict, dataset: str) -> dict:
    return next(r for r in report["results"] if r["dataset"] == dataset and r["method"] == "ours")


def test_the_benchmark_prints_its_table_and_targets(small_run):
    printed, report = small_run
    assert "| dataset" in printed
    assert "enrichment (evaluate)" in printed
    assert "Targets (issue 5)" in printed
    assert not [r for r in report["results"] if r["error"]]


def test_samples_are_precise_with_no_decoy_fill(small_run):
    _, report = small_run
    ours = _ours(report, "samples")
    assert ours["enrichment"]["precision"] >= 0.99
    assert ours["decoy_fills"] == 0
    assert ours["decoy_links"] == 0


def test_febrl4_subset_is_precise_and_links_most_pairs(small_run):
    _, report = small_run
    ours = _ours(report, "febrl4[:300]")
    assert ours["enrichment"]["precision"] >= 0.99
    assert ours["enrichment"]["recall"] >= 0.85  # a sanity floor; the full figures are in README
    assert ours["links"]["febrl4_b"]["true_links"] == 300
