"""The delivery sensors (assets/deliveries.py): new files become partitions and runs, one at a
time; each run ingests its delivery and publishes everything ingested so far. Real Dagster
instance, real runs, real warehouse."""

import os

import dagster as dg
import duckdb
import pytest
from dagster._core.test_utils import create_run_for_test

from assets.deliveries import REFRESH_TAG
from assets.factory import build_definitions
from lineage_pipeline.settings import Settings


def tick(defs: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None):
    """One sensor evaluation, with its partition requests applied as the daemon would."""
    sensor = defs.resolve_sensor_def("vendor_deliveries")
    result = sensor(dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs))
    for request in result.dynamic_partitions_requests or []:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
        else:
            for key in request.partition_keys:
                instance.delete_dynamic_partition(request.partitions_def_name, key)
    return result


def run(defs: dg.Definitions, instance: dg.DagsterInstance, request: dg.RunRequest) -> None:
    """Carry out a run request as the daemon would: the sensor's assets, for its partition."""
    sensor = defs.resolve_sensor_def("vendor_deliveries")
    keys = sensor.asset_selection.resolve(defs.resolve_asset_graph())
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance,
        asset_selection=list(keys),
        partition_key=request.partition_key,
        tags=request.tags,
    )
    assert result.success


def vendor_deliveries(settings: Settings) -> list[tuple[str, str]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute("SELECT path, status FROM deliveries WHERE source = 'vendor'")
        return [(os.path.basename(p), s) for p, s in sorted(rows.fetchall())]


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def test_each_new_file_becomes_a_partition_and_a_run_that_publishes(project, instance):
    folder = project.contracts_dir.parent / "deliveries" / "vendor"
    first = folder / "vendor_2026-10-01.csv"
    second = folder / "vendor_2026-11-01.csv"
    second.write_text(first.read_text().replace("V1,", "V91,"))
    defs = build_definitions(project)

    result = tick(defs, instance, None)
    assert instance.get_dynamic_partitions("vendor_deliveries") == [first.name, second.name]
    [request] = result.run_requests  # one file per run: runs that publish never overlap
    assert (request.partition_key, request.tags[REFRESH_TAG]) == (first.name, "true")
    run(defs, instance, request)
    # the second file is a partition but not yet ingested: published without it, not failed
    assert vendor_deliveries(project) == [(first.name, "ingested")]

    result = tick(defs, instance, result.cursor)
    [request] = result.run_requests
    assert request.partition_key == second.name
    run(defs, instance, request)
    assert vendor_deliveries(project) == [(first.name, "ingested"), (second.name, "ingested")]

    result = tick(defs, instance, result.cursor)
    assert not result.run_requests  # nothing new

    second.write_text(first.read_text().replace("V1,", "V92,"))  # the vendor resends it
    os.utime(second, ns=(1, 1))  # a different modification time, whatever the clock
    result = tick(defs, instance, result.cursor)
    assert [r.partition_key for r in result.run_requests] == [second.name]

    second.unlink()
    result = tick(defs, instance, result.cursor)
    assert instance.get_dynamic_partitions("vendor_deliveries") == [first.name]
    assert not result.run_requests


def test_new_files_wait_while_a_publishing_run_is_in_progress(project, instance):
    defs = build_definitions(project)
    create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED, tags={REFRESH_TAG: "true"})
    result = tick(defs, instance, None)
    assert not result.run_requests
    assert "wait for the run in progress" in result.skip_reason.skip_message
    # the file is known as a partition already, and is asked for once the run ends
    assert instance.get_dynamic_partitions("vendor_deliveries") == ["vendor_2026-10-01.csv"]
    [started] = instance.get_runs()
    instance.report_run_failed(started)
    assert [r.partition_key for r in tick(defs, instance, result.cursor).run_requests] == [
        "vendor_2026-10-01.csv"
    ]


def test_a_delivery_never_checked_blocks_every_later_publish(project, instance):
    """In the UI a delivery can be materialised without its checks; a later run reading it
    must not publish it unchecked."""
    folder = project.contracts_dir.parent / "deliveries" / "vendor"
    defs = build_definitions(project)
    run(defs, instance, tick(defs, instance, None).run_requests[0])
    published = (project.warehouse_path.stat().st_ino, vendor_deliveries(project))
    second = folder / "vendor_2026-11-01.csv"
    second.write_text((folder / "vendor_2026-10-01.csv").read_text().replace("V1,", "V91,"))
    tick(defs, instance, None)  # adds the partition
    job = defs.resolve_implicit_global_asset_job_def()
    records = dg.AssetKey(["sources", "vendor", "records"])
    unchecked = job.get_subset(asset_selection={records}, asset_check_selection=set())
    assert unchecked.execute_in_process(instance=instance, partition_key=second.name).success

    later = job.execute_in_process(
        instance=instance,
        asset_selection=list(
            defs.resolve_sensor_def("vendor_deliveries").asset_selection.resolve(
                defs.resolve_asset_graph()
            )
        ),
        partition_key="vendor_2026-10-01.csv",
        raise_on_error=False,
    )
    assert not later.success
    [failure] = [e for e in later.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failure.step_key == "warehouse"
    message = failure.event_specific_data.error.to_string()  # with its cause
    assert f"sources/vendor/records[{second.name}]: mapped_columns_present FAILED" in message
    assert "observed never evaluated" in message
    assert (project.warehouse_path.stat().st_ino, vendor_deliveries(project)) == published
