"""Safe publishing: a run builds beside the published warehouse and renames over it, so a reader
in another process is never locked out, and an exception or `kill -9` at any moment leaves the
previous warehouse whole. Real DuckDB files, real subprocesses, real Dagster runs."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from lineage_pipeline.columnar import BATCH_ROWS
from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.publish import (
    INSERT_ROWS,
    _insert_all,
    _slices,
    building_path,
    new_database,
    publish,
    remove_stale_builds,
)
from lineage_pipeline.quality import gates
from lineage_pipeline.settings import Settings
from lineage_pipeline.warehouse import lock_path, table_names
from tests.conftest import NOW, REPO
from tests.test_checks import materialise, query, sha256, with_previous_warehouse

# A run of the whole pipeline that stops inside publish, with the new file complete, just
# before the rename: the moment a kill is most tempting to get wrong.
RUN_PAUSED_BEFORE_SWAP = """\
    import sys, time
    from pathlib import Path
    import assets.warehouse
    from assets.runner import run_pipeline
    from lineage_pipeline.publish import publish
    from lineage_pipeline.settings import Settings

    def pause(building):
        Path(sys.argv[1]).write_text(str(building))
        time.sleep(600)

    assets.warehouse.publish = lambda *args, **kw: publish(*args, before_swap=pause, **kw)
    settings = Settings.from_env()
    run_pipeline(settings)
"""
# Publishing the published tables again, stopping half-way: tables written, not checkpointed.
PUBLISH_PAUSED_WHILE_WRITING = """\
    import sys, time
    from pathlib import Path
    import duckdb
    from lineage_pipeline.publish import publish

    warehouse, ready = Path(sys.argv[1]), Path(sys.argv[2])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        tables = {name: con.table(name).df() for name in names}

    def pause(con):
        con.execute("DELETE FROM customers")
        ready.write_text("writing")
        time.sleep(600)

    publish(warehouse, "killed-run", tables, finish=pause)
"""
# An analyst's process polling the warehouse, a fresh connection per query.
READER = """\
    import json, sys, time
    from pathlib import Path
    import duckdb

    warehouse, log, stop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    sql = "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM runs)"
    with log.open("w") as out:
        while True:
            last = stop.exists()
            entry = {"at": time.time()}
            try:
                with duckdb.connect(warehouse, read_only=True) as con:
                    entry["customers"], entry["runs"] = con.execute(sql).fetchone()
            except Exception as exc:
                entry["error"] = repr(exc)
            out.write(json.dumps(entry) + "\\n")
            out.flush()
            if last:
                break
            time.sleep(0.05)
"""


def start(script: str, tmp_path: Path, *args: object, env: dict | None = None):
    """Run `script` in a new Python process; its output goes to `<script>.log` (a pipe nobody
    reads would fill up and stall it)."""
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(script))
    with (tmp_path / "script.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, str(path), *map(str, args)],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def output_of(process: subprocess.Popen) -> str:
    return Path(process.args[1]).with_suffix(".log").read_text()[-3000:]


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not (path.exists() and path.stat().st_size):
        if process.poll() is not None:
            raise AssertionError(output_of(process))
        assert time.monotonic() < deadline, f"{path} did not appear: {output_of(process)}"
        time.sleep(0.05)


def kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def snapshot(settings: Settings) -> dict[str, int]:
    """Row counts of every table: proof the file opens and is whole."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return {
            t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in table_names(con)
        }


def beside(settings: Settings) -> list[str]:
    """Files next to the warehouse, but for the lock privacy operations and swaps share."""
    shared = lock_path(settings.warehouse_path).name
    return sorted(p.name for p in settings.warehouse_path.parent.iterdir() if p.name != shared)


def env_for(settings: Settings) -> dict[str, str]:
    return {
        "LINEAGE_CONTRACTS": str(settings.contracts_dir),
        "LINEAGE_WAREHOUSE": str(settings.warehouse_path),
        "LINEAGE_NOW": NOW.isoformat(),
    }


def test_kill_9_just_before_the_swap_leaves_the_previous_warehouse_and_the_next_run_cleans_up(
    project, published, tmp_path
):
    before, counts = with_previous_warehouse(project, published), snapshot(published)
    ready = tmp_path / "ready"
    run = start(RUN_PAUSED_BEFORE_SWAP, tmp_path, ready, env=env_for(project))
    try:
        wait_for(ready, run)
        building = Path(ready.read_text())
        assert building.parent == project.warehouse_path.parent.resolve()
        with duckdb.connect(str(building), read_only=True) as con:  # the new file is complete
            assert con.execute("SELECT count(*) FROM runs").fetchone() == (2,)
    finally:
        kill(run)
    assert sha256(project) == before
    assert snapshot(project) == counts
    assert beside(project) == sorted([building.name, building.name + ".lock", "warehouse.duckdb"])
    result = materialise(project)
    assert result.success
    [state] = [
        m
        for r in result.results
        for m in r.get_asset_materialization_events()
        if m.asset_key.path == ["published_state"]
    ]
    assert state.materialization.metadata["stale_builds_removed"].value == 2
    assert beside(project) == ["warehouse.duckdb"]
    assert query(project, "SELECT count(*) FROM runs") == [(2,)]


def test_kill_9_while_tables_are_written_leaves_the_previous_warehouse(published, tmp_path):
    path = tmp_path / "wh" / "w.duckdb"
    path.parent.mkdir()
    copy = Settings(contracts_dir=published.contracts_dir, warehouse_path=path)
    path.write_bytes(published.warehouse_path.read_bytes())
    before, counts = sha256(copy), snapshot(copy)
    ready = tmp_path / "ready"
    writer = start(PUBLISH_PAUSED_WHILE_WRITING, tmp_path, copy.warehouse_path, ready)
    try:
        wait_for(ready, writer, seconds=60)
    finally:
        kill(writer)
    assert (sha256(copy), snapshot(copy)) == (before, counts)
    stale = remove_stale_builds(copy.warehouse_path)
    assert building_path(copy.warehouse_path, "killed-run") in stale
    assert beside(copy) == ["w.duckdb"]


def test_exception_while_building_leaves_the_previous_warehouse_and_no_files(published, tmp_path):
    path = tmp_path / "w.duckdb"
    path.write_bytes(published.warehouse_path.read_bytes())
    before = path.read_bytes()
    settings = Settings(warehouse_path=path)

    def fail(target: object) -> None:
        raise RuntimeError(f"failed on {target}")

    with pytest.raises(RuntimeError, match="failed on"):
        publish(path, "failed-run", {}, finish=fail)  # while writing
    with pytest.raises(RuntimeError, match="failed on"):
        publish(path, "refused-run", {}, before_swap=fail)  # complete, not yet swapped
    assert path.read_bytes() == before
    assert beside(settings) == ["w.duckdb"]


def test_cleanup_removes_dead_builds_but_never_a_live_one(tmp_path):
    published = tmp_path / "w.duckdb"
    dead = building_path(published, "dead-run")
    dead.write_bytes(b"half a file")
    dead.with_name(dead.name + ".lock").touch()
    seen: dict[str, list[Path]] = {}

    def clean_up_mid_build(building: Path) -> None:
        seen["removed"] = remove_stale_builds(published)
        seen["alive"] = [building] if building.exists() else []

    publish(published, "live-run", {}, before_swap=clean_up_mid_build)
    assert seen["removed"] == [dead, dead.with_name(dead.name + ".lock")]
    assert seen["alive"] == [building_path(published, "live-run")]
    assert beside(Settings(warehouse_path=published)) == ["w.duckdb"]


def test_a_reader_in_another_process_is_never_locked_out_while_a_run_is_in_progress(
    project, published, tmp_path
):
    with_previous_warehouse(project, published)
    log, stop = tmp_path / "reads.jsonl", tmp_path / "stop"
    reader = start(READER, tmp_path, project.warehouse_path, log, stop)
    try:
        wait_for(log, reader, seconds=60)
        started = time.time()
        result = materialise(project)
        finished = time.time()
        stop.touch()
        assert reader.wait(timeout=60) == 0, output_of(reader)
    finally:
        if reader.poll() is None:
            kill(reader)
    assert result.success
    reads = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r for r in reads if "error" in r] == []
    during = [r for r in reads if started <= r["at"] <= finished]
    assert len(during) >= 3
    assert {r["customers"] for r in reads} == {6}
    assert {r["runs"] for r in during} <= {1, 2}
    assert (reads[0]["runs"], reads[-1]["runs"]) == (1, 2)  # old, then the swapped-in file


def test_a_delivery_sent_again_under_a_new_name_adds_nothing(project, published):
    with_previous_warehouse(project, published)
    before = snapshot(project)
    folder = project.contracts_dir.parent / "deliveries" / "vendor"
    original = next(folder.glob("*.csv"))
    (folder / "vendor_2026-12-01.csv").write_bytes(original.read_bytes())
    assert materialise(project).success
    after = snapshot(project)
    assert after.pop("runs") == before.pop("runs") + 1
    # the publishing run's checks again, and the new delivery's own (it is checked, then ignored)
    vendor = load_contracts(project.contracts_dir).get("vendor")
    new_delivery_checks = len(gates.records_specs(vendor))
    assert after.pop("quality_results") == 2 * before.pop("quality_results") + new_delivery_checks
    assert after.pop("deliveries") == before.pop("deliveries") + 1
    assert after == before
    [(status, error)] = query(
        project, "SELECT status, error FROM deliveries WHERE path LIKE '%vendor_2026-12-01.csv'"
    )
    assert status == "duplicate"
    assert error == f"same content as {original.resolve()}: read once"


def _row_groups_after_inserting(path: Path, rows: int) -> int:
    frame = pd.DataFrame({"n": np.arange(rows), "text": [f"t{i % 1000}" for i in range(rows)]})
    with new_database(path) as con:
        con.execute("CREATE TABLE t (n BIGINT, text VARCHAR)")
        _insert_all(con, _slices({"t": frame}))
    with duckdb.connect(str(path), read_only=True) as con:
        [(groups,)] = con.execute(
            "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('t')"
        ).fetchall()
    return groups


def test_slices_are_whole_row_groups_of_duckdb():
    # A slice ending mid-group leaves a part-filled group for the checkpoint to rewrite (1M
    # customers: 0.55 s); BATCH_ROWS must be DuckDB's group size for slices to end on one.
    assert INSERT_ROWS % BATCH_ROWS == 0


def test_batch_rows_is_duckdbs_row_group_size(tmp_path):
    rows = 2 * BATCH_ROWS + 10
    assert _row_groups_after_inserting(tmp_path / "t.duckdb", rows) == 3
    assert _row_groups_after_inserting(tmp_path / "u.duckdb", BATCH_ROWS) == 1
