"""Point lookups on a published warehouse: `trace` and `export` for one customer through the
command line (in this process, so the figure is the command's own work, not interpreter start),
and one customer read from a purpose view.

Input: a warehouse and its contracts. Output: per lookup, the first call and the median of the
next REPEATS calls (ms), or why it was not measured (e.g. the command does not exist yet).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

REPEATS = 5
LOOKUP_COMMANDS = ("trace", "export")


def _timed(call: Callable[[], Any]) -> dict[str, Any]:
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return {
        "first_ms": round(first * 1000, 1),
        "median_ms": round(statistics.median(times) * 1000, 1),
    }


def enriched_customer(warehouse: Path) -> str | None:
    """A customer holding third-party values: the lookups that have the most to show."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            "SELECT customer_id FROM customer_fields WHERE source_kind <> 'first_party' "
            "ORDER BY customer_id LIMIT 1"
        ).fetchone()
    return row[0] if row else None


def _command_lookup(name: str, customer: str, warehouse: Path, contracts: Path) -> dict[str, Any]:
    import typer.main
    from typer.testing import CliRunner

    from lineage_pipeline import cli  # importing it registers every command module

    group = typer.main.get_command(cli.app)
    command = getattr(group, "commands", {}).get(name)
    if command is None:
        return {"skipped": f"no `{name}` command yet"}
    args = [name, customer, "--warehouse", str(warehouse)]
    if any("--contracts" in getattr(p, "opts", ()) for p in command.params):
        args += ["--contracts", str(contracts)]
    runner = CliRunner()
    failures: list[str] = []

    def call() -> None:
        result = runner.invoke(cli.app, args)
        if result.exit_code != 0:
            failures.append(f"exit {result.exit_code}: {result.output.strip()[:200]}")

    figures = _timed(call)
    return {**figures, "error": failures[0]} if failures else figures


def _purpose_lookup(customer: str, warehouse: Path) -> dict[str, Any]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        schemas = con.execute(
            "SELECT schema_name FROM information_schema.schemata "
            "WHERE schema_name LIKE 'purpose\\_%' ESCAPE '\\' ORDER BY schema_name"
        ).fetchall()
    if not schemas:
        return {"skipped": "no purpose views in the warehouse"}
    schema = schemas[0][0]
    # The schema name comes from the warehouse's own catalogue, quoted; the customer is bound.
    sql = f'SELECT * FROM "{schema}".customers WHERE customer_id = ?'  # noqa: S608

    def call() -> None:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            con.execute(sql, [customer]).fetchall()

    return {"view": f"{schema}.customers", **_timed(call)}


def measure(warehouse: Path, contracts: Path) -> dict[str, Any]:
    """Every point lookup for one enriched customer; each opens the warehouse afresh."""
    customer = enriched_customer(warehouse)
    if customer is None:
        return {"skipped": "no enriched customer in the warehouse"}
    figures: dict[str, Any] = {"customer_id": customer}
    for name in LOOKUP_COMMANDS:
        figures[name] = _command_lookup(name, customer, warehouse, contracts)
    figures["purpose_view"] = _purpose_lookup(customer, warehouse)
    return figures
