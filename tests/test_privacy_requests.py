"""Privacy request files: picked up by a sensor, carried out by a job, logged without ids."""

import json
from pathlib import Path

import dagster as dg
import pytest

from assets.factory import build_definitions, resources
from assets.privacy import privacy_request_job, request_sensor
from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy.request_files import digest, handle_file, read_request
from lineage_pipeline.settings import Settings
from tests.privacy_support import build_template, copy_of, query, scalar


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_template(tmp_path_factory.mktemp("requests"))


@pytest.fixture
def warehouse(template: Settings, tmp_path: Path) -> Settings:
    return copy_of(template, tmp_path)


def drop(folder: Path, name: str, request: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(request))
    return path


def test_the_sensor_requests_one_run_per_new_file(tmp_path: Path):
    folder = tmp_path / "requests"
    first = drop(folder, "a.json", {"kind": "erase", "customer_id": "C1"})
    second = drop(folder, "b.json", {"kind": "restrict", "customer_id": "C2", "purposes": ["ads"]})
    sensor = request_sensor(folder)
    done, new = digest(first), digest(second)

    context = dg.build_sensor_context(cursor=json.dumps([done]))
    requests = list(sensor(context))
    assert [r.run_key for r in requests] == [new]
    config = requests[0].run_config["ops"]["privacy_request"]["config"]
    assert config == {"path": str(second)}
    assert json.loads(context.cursor) == sorted([done, new])

    first.unlink()  # handled files are deleted, and drop out of the cursor
    context = dg.build_sensor_context(cursor=json.dumps(sorted([done, new])))
    assert list(sensor(context)) == []
    assert json.loads(context.cursor) == [new]


def test_the_job_carries_out_a_request_file(warehouse: Settings, tmp_path: Path):
    path = drop(tmp_path / "requests", "erase-c1.json", {"kind": "erase", "customer_id": "C1"})
    result = privacy_request_job.execute_in_process(
        run_config={"ops": {"privacy_request": {"config": {"path": str(path)}}}},
        resources=resources(warehouse),
    )
    assert result.success
    assert not path.exists()  # it named the person
    assert scalar(warehouse, "SELECT count(*) FROM customers WHERE customer_id = 'C1'") == 0
    (receipt,) = (tmp_path / "requests" / "done").glob("*.json")
    assert json.loads(receipt.read_text())["kind"] == "erase"
    assert "C1" not in receipt.read_text()
    log = query(warehouse, "SELECT * FROM privacy_requests")
    assert list(log["kind"]) == ["erase"]
    assert "C1" not in str(log.to_dict())


def test_every_kind_runs_from_a_file(warehouse: Settings, tmp_path: Path):
    folder = tmp_path / "requests"
    requests = [
        {"kind": "access", "customer_id": "C2"},
        {"kind": "restrict", "customer_id": "C2", "purposes": ["marketing"]},
        {"kind": "correct", "customer_id": "C2", "field": "city", "value": "Leeds"},
        {"kind": "retention"},
        {"kind": "erase", "customer_id": "C3"},
    ]
    for i, request in enumerate(requests):
        handle_file(drop(folder, f"{i}.json", request), warehouse)
    kinds = list(query(warehouse, "SELECT kind FROM privacy_requests ORDER BY request_id")["kind"])
    assert sorted(kinds) == ["access", "correct", "erase", "restrict"]  # nothing expired
    (report,) = (folder / "exports").glob("*/subject-access-C2.md")
    assert "# What we hold about customer C2" in report.read_text()
    assert scalar(warehouse, "SELECT city FROM customers WHERE customer_id = 'C2'") == "Leeds"


def test_a_bad_request_moves_to_failed_with_the_reason(warehouse: Settings, tmp_path: Path):
    path = drop(tmp_path / "requests", "x.json", {"kind": "erase", "customer_id": "C99"})
    with pytest.raises(LineageError, match="no customer"):
        handle_file(path, warehouse)
    failed = tmp_path / "requests" / "failed"
    assert (failed / "x.json").exists()
    assert "no customer" in (failed / "x.json.error.txt").read_text()
    with pytest.raises(LineageError, match="needs purposes"):
        read_request(drop(tmp_path, "r.json", {"kind": "restrict", "customer_id": "C1"}))


def test_definitions_load_with_privacy_jobs_schedule_and_sensor(warehouse: Settings):
    defs = build_definitions(warehouse)
    assert defs.resolve_job_def("privacy_request_job") is not None
    assert defs.resolve_sensor_def("privacy_request_files") is not None
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert "retention" in keys
