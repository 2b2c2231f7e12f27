"""Enrichment quality on the bundled samples, scored against their labelled truth."""

import duckdb
import pandas as pd
import pytest

from assets.runner import run_pipeline
from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.evaluate import evaluate, score
from lineage_pipeline.settings import Settings
from tests.conftest import NOW

PRECISION_FLOOR = 0.995
RECALL_FLOOR = 0.97


@pytest.fixture(scope="session")
def samples_warehouse(samples_copy, tmp_path_factory):
    settings = Settings(
        contracts_dir=samples_copy / "contracts",
        warehouse_path=tmp_path_factory.mktemp("samples_wh") / "warehouse.duckdb",
        pinned_now=NOW,
    )
    outcome = run_pipeline(settings)
    assert outcome.success, outcome.failures
    return settings.warehouse_path


def test_samples_meet_precision_and_recall_floors(samples_warehouse, samples_copy):
    scores = evaluate(samples_warehouse, samples_copy / "data" / "samples" / "truth.csv")
    assert scores.labelled == 21000
    assert scores.precision >= PRECISION_FLOOR
    assert scores.recall >= RECALL_FLOOR


def test_every_sample_source_links(samples_warehouse, samples_copy):
    contracts = load_contracts(samples_copy / "contracts")
    with duckdb.connect(str(samples_warehouse), read_only=True) as con:
        linked = dict(
            con.execute(
                "SELECT source, count(*) FROM match_evidence WHERE decision = 'accepted' "
                "GROUP BY source"
            ).fetchall()
        )
    assert set(linked) == {c.name for c in contracts.third_party}


def test_score_counts_wrong_fills_and_misses():
    truth = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2", "C3"],
            "field": ["job", "size", "job", "job"],
            "expected": ["Chef", "", "Pilot", "Nurse"],
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "job": ["Chef", "Baker", None],
            "size": ["10", None, None],
        }
    )
    scores = score(truth, customers)
    # C1 job correct; C1 size filled but must stay empty (wrong); C2 job wrong; C3 job missed.
    assert (scores.correct, scores.wrong_fills, scores.missed) == (1, 2, 1)
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.recall == pytest.approx(1 / 3)
