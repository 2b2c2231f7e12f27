"""The whole pipeline through real Dagster materialisations into a real DuckDB file."""

import json
import subprocess
import sys

import duckdb

from assets.factory import build_definitions
from assets.runner import RunOutcome, run_pipeline
from lineage_pipeline.settings import Settings
from tests.conftest import NOW

TABLES = (
    "customer_fields",
    "customers",
    "match_evidence",
    "sources",
    "deliveries",
    "quarantine",
    "runs",
    "suppressions",
    "quality_results",
    "privacy_requests",
)


def materialise(settings: Settings) -> RunOutcome:
    return run_pipeline(settings)


def counts(path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_definitions_load_with_assets_per_source(project):
    defs = build_definitions(project)
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    for source in ("crm", "vendor", "register"):
        assert f"sources/{source}/records" in keys
        assert f"sources/{source}/identities" in keys
    assert "sources/vendor/links" in keys
    assert "sources/crm/links" not in keys
    assert {"customer_fields", "customers", "match_evidence", "warehouse"} <= keys


def test_materialise_publishes_values_with_provenance(project):
    result = materialise(project)
    assert result.success
    with duckdb.connect(str(project.warehouse_path), read_only=True) as con:
        missing = con.execute(
            "SELECT count(*) FROM customer_fields WHERE source IS NULL OR source_kind IS NULL "
            "OR source_record_id IS NULL OR delivery IS NULL OR legal_basis IS NULL "
            "OR len(purposes) = 0 OR acquired_at IS NULL OR run_id IS NULL"
        ).fetchone()[0]
        assert missing == 0
        below = con.execute(
            "SELECT count(*) FROM customer_fields f JOIN sources s USING (source, field) "
            "WHERE f.source_kind <> 'first_party' "
            "AND (f.match_probability IS NULL OR f.match_probability < s.match_threshold)"
        ).fetchone()[0]
        assert below == 0
        # customers holds exactly the is_current values.
        disagreements = con.execute(
            "WITH wide AS (UNPIVOT customers ON COLUMNS(* EXCLUDE customer_id) "
            "INTO NAME field VALUE value) "
            "SELECT count(*) FROM (SELECT customer_id, field, value FROM wide "
            "EXCEPT SELECT customer_id, field, value FROM customer_fields WHERE is_current) "
            "UNION ALL SELECT count(*) FROM (SELECT customer_id, field, value FROM customer_fields "
            "WHERE is_current EXCEPT SELECT customer_id, field, value FROM wide)"
        ).fetchall()
        assert disagreements == [(0,), (0,)]
        c2 = dict(
            con.execute(
                "SELECT field, value FROM customer_fields WHERE customer_id = 'C2' AND is_current"
            ).fetchall()
        )
    # C2 takes the vendor's job title and the register's industry code.
    assert c2["job_title"] == "Director"
    assert c2["industry_code"] == "62020"
    assert counts(project.warehouse_path)["customers"] == 6


def test_decoy_and_strangers_enrich_nobody(project):
    materialise(project)
    with duckdb.connect(str(project.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "SELECT customer_id, source_record_id FROM customer_fields WHERE source = 'vendor'"
        ).fetchall()
    assert {r[1] for r in rows} == {"V1", "V2", "V3"}
    assert {r[0] for r in rows} == {"C1", "C2"}


def test_running_twice_leaves_the_same_rows(project):
    materialise(project)
    first = counts(project.warehouse_path)
    materialise(project)
    second = counts(project.warehouse_path)
    assert second.pop("runs") == first.pop("runs") + 1
    second.pop("quality_results")
    first.pop("quality_results")
    assert second == first


def test_survivorship_prefers_priority_then_probability(project):
    materialise(project)
    with duckdb.connect(str(project.warehouse_path), read_only=True) as con:
        current = con.execute(
            "SELECT source_record_id FROM customer_fields "
            "WHERE customer_id = 'C2' AND field = 'job_title' AND is_current"
        ).fetchall()
        probabilities = dict(
            con.execute(
                "SELECT source_record_id, match_probability FROM customer_fields "
                "WHERE customer_id = 'C2' AND field = 'job_title'"
            ).fetchall()
        )
    # Two vendor duplicates (V2, V3) describe C2: the better match survives.
    assert current == [(max(probabilities, key=probabilities.get),)]


def test_cli_run_with_contracts_outside_the_repo(project, tmp_path):
    env = {"LINEAGE_NOW": NOW.isoformat(), "PATH": ""}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lineage_pipeline.cli",
            "run",
            "--contracts",
            str(project.contracts_dir),
            "--warehouse",
            str(project.warehouse_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "Deliveries" in completed.stdout
    assert "Linkage" in completed.stdout
    assert counts(project.warehouse_path)["customers"] == 6


def test_validate_contracts_reports_a_missing_column(project):
    vendor_file = next((project.contracts_dir.parent / "deliveries" / "vendor").glob("*.csv"))
    vendor_file.write_text(vendor_file.read_text().replace("title", "position"))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lineage_pipeline.cli",
            "validate-contracts",
            "--contracts",
            str(project.contracts_dir),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    [problem] = json.loads(completed.stdout)["problems"]
    assert (
        f"vendor: {vendor_file}: row 1: missing column 'title' (named by fields.job_title.column)"
        in problem
    )
