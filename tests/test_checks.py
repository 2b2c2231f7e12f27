"""Quality gates in Dagster: every expectation is an asset check beside its asset, critical ones
block publishing in the same run, and every result lands in `quality_results` with its run id."""

import hashlib
import shutil
from collections import defaultdict

import dagster as dg
import duckdb
from typer.testing import CliRunner

from assets.factory import all_assets, build_definitions
from assets.runner import RunOutcome, run_pipeline
from lineage_pipeline.cli import app  # importing the CLI registers its commands
from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.quality import gates
from lineage_pipeline.settings import Settings
from tests.conftest import NOW

WAREHOUSE_INPUTS = {
    "sources/crm/records",
    "sources/crm/identities",
    "sources/vendor/records",
    "sources/vendor/identities",
    "sources/vendor/links",
    "sources/register/records",
    "sources/register/identities",
    "sources/register/links",
    "customer_fields",
    "customers",
}
# The vendor's second delivery with the email and phone columns swapped: the header is right,
# every row parses, and nothing would link.
SWAPPED = """\
vid,fname,lname,phone,email,company,title,size
V6,Alice,Jones,alice.jones@acmewidgets.co.uk,07700 900001,Acme Widgets,Engineer,11-50
V7,Robert,Smith,rob.smith@gmail.com,07700 900002,Globex,Director,201-1000
V8,Carol,Taylor,carol.t@hotmail.com,07700 900003,Initech,Analyst,51-200
V9,David,Brown,dbrown@yahoo.co.uk,07700 900004,Acme Widgets,Clerk,11-50
V10,Eve,Wilson,eve.w@example.org,07700 900005,Umbrella,Chemist,1000+
V11,Frank,Moore,frank@example.net,07700 900006,Moore Ltd,Owner,1-10
"""


def materialise(settings: Settings) -> RunOutcome:
    """Every delivery ingested (a run each), then the publishing run, as `lineage-pipeline run`."""
    return run_pipeline(settings)


def with_previous_warehouse(project: Settings, published: Settings) -> str:
    """Start `project` from a copy of the published warehouse; returns the copy's sha256."""
    project.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(published.warehouse_path, project.warehouse_path)
    return sha256(project)


def sha256(settings: Settings) -> str:
    return hashlib.sha256(settings.warehouse_path.read_bytes()).hexdigest()


def deliver_swapped(project: Settings) -> str:
    path = project.contracts_dir.parent / "deliveries" / "vendor" / "vendor_2026-11-01.csv"
    path.write_text(SWAPPED)
    return path.name


def query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_definitions_carry_every_check_on_its_asset_and_critical_ones_block(project):
    defs = build_definitions(project)
    graph = defs.resolve_asset_graph()
    blocking: dict[str, dict[str, bool]] = defaultdict(dict)
    for key in graph.asset_check_keys:
        blocking[key.asset_key.to_user_string()][key.name] = graph.get_check_spec(key).blocking
    assert set(blocking) == WAREHOUSE_INPUTS
    contracts = load_contracts(project.contracts_dir)
    vendor = contracts.get("vendor")
    expected = {
        "sources/vendor/records": gates.records_specs(vendor),
        "sources/vendor/identities": gates.identities_specs(vendor),
        "sources/vendor/links": gates.links_specs(vendor),
        "customer_fields": gates.customer_fields_specs(contracts),
        "customers": gates.customers_specs(contracts),
    }
    for asset, specs in expected.items():
        assert blocking[asset] == {s.name: s.blocking for s in specs}
    assert blocking["sources/vendor/records"] == {
        "mapped_columns_present": True,
        "record_id_present": True,
        "record_id_unique_within_delivery": True,
        "values_within_length_limit": True,
        "values_free_of_formulas": True,
        "every_delivery_row_accounted_for": True,
        "every_delivery_accepted": False,  # a rejected file is reported; the rest publishes
    }
    assert blocking["sources/vendor/identities"]["given_emails_mostly_readable"]
    assert blocking["customer_fields"]["no_third_party_value_for_erased_subject"]
    assert blocking["customers"]["customers_agree_with_current_values"]


def test_every_check_step_blocks_so_warehouse_sees_all_results(project):
    """`warehouse` stores this run's results: it must start after every check step, which it
    does when each step holds at least one blocking check."""
    steps = [a for a in all_assets(project) if isinstance(a, dg.AssetChecksDefinition)]
    assert len(steps) == len(WAREHOUSE_INPUTS)
    for step in steps:
        assert any(spec.blocking for spec in step.check_specs), step.node_def.name
        for spec in step.check_specs:
            assert spec.metadata["severity"] in {"critical", "warning"}


def test_run_stores_every_check_result_with_its_run_id_and_keeps_history(project, published):
    contracts = load_contracts(published.contracts_dir)
    specs = (
        [
            s
            for c in contracts.contracts
            for s in [
                *gates.records_specs(c),
                *gates.identities_specs(c),
                *([] if c.is_first_party else gates.links_specs(c)),
            ]
        ]
        + gates.customer_fields_specs(contracts)
        + gates.customers_specs(contracts)
    )
    [(first_run,)] = query(published, "SELECT run_id FROM runs")
    stored = query(
        published,
        "SELECT run_id, count(*), count(*) FILTER (WHERE success), count(DISTINCT asset) "
        "FROM quality_results GROUP BY run_id",
    )
    # every spec, plus the last gate the warehouse itself evaluates (rows balance)
    assert stored == [(first_run, len(specs) + 1, len(specs) + 1, len(WAREHOUSE_INPUTS) + 1)]
    [row] = query(
        published,
        'SELECT suite, "column", observed, expected, severity FROM quality_results '
        "WHERE asset = 'sources/vendor/links' AND expectation = 'links_meet_threshold'",
    )
    assert row == (
        "links",
        "match_probability",
        "0 of 3 values unexpected",
        'expect_column_values_to_be_between({"column": "match_probability", "min_value": 0.9})',
        "critical",
    )
    with_previous_warehouse(project, published)
    result = materialise(project)
    assert result.success
    history = query(project, "SELECT run_id, count(*) FROM quality_results GROUP BY 1 ORDER BY 2")
    assert sorted(history) == sorted([(first_run, len(specs) + 1), (result.run_id, len(specs) + 1)])


def test_broken_delivery_blocks_publishing_and_the_previous_warehouse_stays(project, published):
    before = with_previous_warehouse(project, published)
    broken = deliver_swapped(project)
    result = materialise(project)
    assert not result.success
    failed = [e for e in result.check_evaluations() if not e.passed]
    assert [(e.asset_key.to_user_string(), e.check_name) for e in failed] == [
        ("sources/vendor/identities", "given_emails_mostly_readable"),
        ("sources/vendor/identities", "given_phones_mostly_readable"),
    ]
    observed = failed[0].metadata["observed"].value
    assert observed.startswith(f"{broken}: 6 of 6 values unexpected: {broken} row 2, ")
    assert (
        failed[0]
        .metadata["expected"]
        .value.startswith(
            'expect_column_values_to_not_be_null({"column": "email", "condition_parser": "pandas", '
            '"mostly": 0.5'
        )
    )
    assert "warehouse" not in result.materialised
    assert "sources/vendor/links" not in result.materialised  # stopped at the failing gate
    assert sha256(project) == before
    assert [p.name for p in project.warehouse_path.parent.iterdir()] == ["warehouse.duckdb"]
    assert query(project, "SELECT count(*) FROM customers") == [(6,)]


def test_rejected_delivery_is_reported_and_the_rest_is_published(project):
    header_only = project.contracts_dir.parent / "deliveries" / "vendor" / "vendor_2026-11-01.csv"
    header_only.write_text("vid,fname,lname,email,phone,company,title,size\n")
    result = materialise(project)
    assert result.success
    [(status, error)] = query(
        project, f"SELECT status, error FROM deliveries WHERE path = '{header_only.resolve()}'"
    )
    assert (status, error) == (
        "rejected",
        f"vendor: {header_only.resolve()}: has a header but no rows",
    )
    [(success, severity, observed)] = query(
        project,
        "SELECT success, severity, observed FROM quality_results "
        "WHERE asset = 'sources/vendor/records[vendor_2026-11-01.csv]' "
        "AND expectation = 'every_delivery_accepted'",
    )
    assert (success, severity) == (False, "warning")
    assert observed == f"1 of 1 unexpected: {error}"  # each delivery is checked on its own
    assert query(project, "SELECT count(*) FROM customer_fields WHERE source = 'vendor'") == [(6,)]


def test_command_line_run_names_the_failed_expectation_and_the_delivery(project, published):
    before = with_previous_warehouse(project, published)
    broken = deliver_swapped(project)
    outcome = CliRunner().invoke(
        app,
        [
            "run",
            "--contracts",
            str(project.contracts_dir),
            "--warehouse",
            str(project.warehouse_path),
        ],
        env={"LINEAGE_NOW": NOW.isoformat()},
    )
    assert outcome.exit_code == 1
    said = " ".join((outcome.output + (outcome.stderr or "")).split())
    assert (
        "check failed sources/vendor/identities: given_emails_mostly_readable FAILED (critical): "
        f"observed {broken}: 6 of 6 values unexpected" in said
    )
    assert "did not publish" in said
    assert sha256(project) == before
