"""The privacy commands: an example in every --help, JSON output, exit codes 0 / 1 / 2."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lineage_pipeline.commands.app import app
from lineage_pipeline.settings import Settings
from tests.privacy_support import build_template, copy_of

COMMANDS = [
    "purposes", "export-purpose", "trace", "export", "erase", "restrict", "correct", "retention",
]  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_template(tmp_path_factory.mktemp("cli"))


@pytest.fixture
def warehouse(template: Settings, tmp_path: Path) -> Settings:
    return copy_of(template, tmp_path)


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LINEAGE_NOW": settings.pinned_now.isoformat(), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "lineage_pipeline.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str):
    import lineage_pipeline.cli  # noqa: F401 - registers the commands

    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Example: lineage-pipeline " + command in result.output


def test_commands_print_json_and_use_exit_codes(warehouse: Settings, tmp_path: Path):
    where = ["--warehouse", str(warehouse.warehouse_path)]
    contracts = ["--contracts", str(warehouse.contracts_dir)]
    traced = cli(warehouse, "trace", "C1", "job_title", "--json", *where)
    assert traced.returncode == 0, traced.stderr
    assert json.loads(traced.stdout)["fields"][0]["values"][0]["source"] == "vendor"
    restricted = cli(warehouse, "restrict", "C1", "--purpose", "marketing", "--json", *where)
    assert json.loads(restricted.stdout)["counts"] == {"suppressions": 1, "privacy_requests": 1}
    listed = cli(warehouse, "purposes", "--json", *contracts)
    assert {u["field"] for u in json.loads(listed.stdout)["analytics"]["fields"]} >= {"city"}
    exported = cli(warehouse, "export", "C1", *where, *contracts)
    assert json.loads(exported.stdout)["subject"]["customer_id"] == "C1"
    unknown = cli(warehouse, "erase", "C99", "--yes", *where, *contracts)
    assert unknown.returncode == 1
    assert "error: no customer 'C99' in the warehouse" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    usage = cli(warehouse, "restrict", "C1", *where)  # no --purpose
    assert usage.returncode == 2
    erased = cli(warehouse, "erase", "C1", "--yes", "--json", *where, *contracts)
    assert erased.returncode == 0
    assert json.loads(erased.stdout)["counts"]["customers"] == -1
    out = tmp_path / "analytics.parquet"
    written = cli(warehouse, "export-purpose", "analytics", "--out", str(out), "--json", *where)
    assert json.loads(written.stdout)["rows"] == 5
    assert out.exists()
