"""Linking in buckets (assets/linkage.py): the publishing job with LINEAGE_LINK_BUCKETS=4 on
Dagster's multiprocess executor (each bucket's compare and score a step of its own, in its own
process) publishes exactly the links and values of the one-step asset run in process."""

import dagster as dg
import duckdb
import pandas as pd

from assets.deliveries import PUBLISH_JOB
from assets.factory import build_definitions
from assets.runner import planned_runs, run_pipeline
from lineage_pipeline.settings import Settings
from tests.conftest import NOW

BUCKETS = 4
# Steps fork from a server that has imported the project once, not a fresh interpreter each.
MULTIPROCESS = dg.multiprocess_executor.configured(
    {
        "max_concurrent": 2,
        "start_method": {"forkserver": {"preload_modules": ["assets.factory"]}},
    }
)
EVIDENCE = (
    "SELECT source, source_record_id, delivery, customer_id, match_probability, match_weight, "
    "decision, comparisons FROM match_evidence ORDER BY ALL"
)
VALUES = (
    "SELECT * EXCLUDE (run_id) FROM customer_fields ORDER BY customer_id, field, source, "
    "source_record_id, delivery, valid_from"
)


def publish_job() -> dg.JobDefinition:
    """The publishing job as the multiprocess executor rebuilds it in each step's process."""
    defs = build_definitions(Settings.from_env(), executor=MULTIPROCESS)
    return defs.resolve_job_def(PUBLISH_JOB)


def tables(settings: Settings) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return {
            "evidence": con.execute(EVIDENCE).df(),
            "values": con.execute(VALUES).df(),
            "customers": con.execute("SELECT * FROM customers ORDER BY customer_id").df(),
        }


def test_four_buckets_in_parallel_publish_the_same_links_and_values(
    samples_copy, tmp_path, monkeypatch
):
    contracts = samples_copy / "contracts"
    whole = Settings(contracts, tmp_path / "whole" / "warehouse.duckdb", pinned_now=NOW)
    assert run_pipeline(whole).success

    bucketed = tmp_path / "bucketed" / "warehouse.duckdb"
    for name, value in {
        "LINEAGE_CONTRACTS": str(contracts),
        "LINEAGE_WAREHOUSE": str(bucketed),
        "LINEAGE_NOW": NOW.isoformat(),
        "LINEAGE_LINK_BUCKETS": str(BUCKETS),
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    defs = build_definitions(settings)
    with dg.instance_for_test() as instance:
        for planned in planned_runs(settings)[:-1]:  # every delivery, ingested in process
            partitions = planned.job.removeprefix("ingest_") + "_deliveries"
            instance.add_dynamic_partitions(partitions, [planned.partition])
            job = defs.resolve_job_def(planned.job)
            assert job.execute_in_process(
                instance=instance, partition_key=planned.partition
            ).success
        with dg.execute_job(dg.reconstructable(publish_job), instance) as result:
            assert result.success
            steps = {e.step_key for e in result.all_events if e.is_step_success}
            pids = {e.pid for e in result.all_events if e.is_step_success}
    for source in ("acme_b2b", "lifestyle_panel", "company_register"):
        for step in ("compare", "score"):
            assert {
                f"sources__{source}__links.{source}__{step}_{b}" for b in range(BUCKETS)
            } <= steps
    assert len(pids) > 1  # steps ran in processes of their own

    got, expected = tables(settings), tables(whole)
    assert len(expected["evidence"]) > 1000
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True, obj=name)
