"""Privacy commands: purposes, export-purpose, trace, export, erase, restrict, correct, retention.

Each calls lineage_pipeline.privacy directly; those that change the warehouse rebuild it aside
and swap it in; each request is logged in privacy_requests (an access request in place).
"""

# No `from __future__ import annotations` here: Typer would evaluate every string annotation
# again on each start, a cost every point lookup (trace, export) pays.
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from lineage_pipeline.commands.app import (
    ContractsOption,
    JsonOption,
    WarehouseOption,
    app,
    console,
    settings_from,
)
from lineage_pipeline.commands.privacy_render import (
    print_json,
    print_purposes,
    print_receipt,
    print_trace,
)

CustomerArgument = Annotated[str, typer.Argument(help="The customer id (first-party record id).")]


def _contracts(contracts: Path | None):
    from lineage_pipeline.contracts import load_contracts

    return load_contracts(settings_from(contracts, None).contracts_dir)


def _emit(receipt, as_json: bool, title: str) -> None:
    if as_json:
        print_json(console, receipt.as_dict())
    else:
        print_receipt(console, receipt, title)


@app.command()
def purposes(contracts: ContractsOption = None, as_json: JsonOption = False) -> None:
    """List each purpose with the fields and sources it may use (a parent covers its children).

    Example: lineage-pipeline purposes --contracts contracts
    """
    from lineage_pipeline.privacy.purposes import catalogue

    loaded = _contracts(contracts)
    found = catalogue(loaded)
    if as_json:
        out = {
            p: {
                "description": loaded.taxonomy.purposes[p],
                "fields": [asdict(u) for u in uses],
            }
            for p, uses in found.items()
        }
        print_json(console, out)
    else:
        print_purposes(console, found, loaded.taxonomy.purposes)


@app.command("export-purpose")
def export_purpose(
    purpose: Annotated[str, typer.Argument(help="A purpose from contracts/purposes.yaml.")],
    out: Annotated[Path, typer.Option("--out", help="Output file: .duckdb or .parquet.")],
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write only what a purpose may use (its customers view) to a separate file.

    Example: lineage-pipeline export-purpose marketing.email --out marketing_email.parquet
    """
    from lineage_pipeline.privacy.purposes import export_purpose as write

    frame = write(settings_from(None, warehouse).warehouse_path, purpose, out)
    summary = {"purpose": purpose, "file": str(out), "rows": len(frame), "columns": list(frame)}
    if as_json:
        print_json(console, summary)
    else:
        console.print(
            f"Wrote {len(frame)} customers with columns {', '.join(frame.columns)} to {out}"
        )


@app.command()
def trace(
    customer: CustomerArgument,
    field: Annotated[str | None, typer.Argument(help="One field; all fields if left out.")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="What was held on this date (YYYY-MM-DD).")
    ] = None,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show where each value held for a customer came from, what it may be used for, and why it won.

    Example: lineage-pipeline trace C1 job_title --as-of 2026-10-15
    """
    from lineage_pipeline.privacy.trace import as_of_moment
    from lineage_pipeline.privacy.trace import trace as run_trace

    moment = as_of_moment(as_of) if as_of else None
    result = run_trace(settings_from(None, warehouse).warehouse_path, customer, field, moment)
    if as_json:
        print_json(console, result)
    else:
        print_trace(console, result)


@app.command("export")
def export_subject(
    customer: CustomerArgument,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the JSON and Markdown report.")
    ] = None,
    contracts: ContractsOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Subject access: everything held about a customer, in every table, as JSON (and a report).

    Without --out the JSON prints; with it, a JSON file and a Markdown report are written there.

    Example: lineage-pipeline export C1 --out exports/
    """
    from lineage_pipeline.privacy.export import subject_access
    from lineage_pipeline.privacy.export_report import write_report

    settings = settings_from(contracts, warehouse)
    document, receipt = subject_access(settings, customer, _contracts(contracts))
    if out is None:
        print_json(console, document)
        return
    json_path, md_path = write_report(document, out)
    console.print(f"Wrote {json_path} and {md_path} (request {receipt.request_id})")


@app.command()
def erase(
    customer: CustomerArgument,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    contracts: ContractsOption = None,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Erase a customer from every table and the file itself, and keep them out of later runs.

    Example: lineage-pipeline erase C1 --yes
    """
    from lineage_pipeline.privacy.erase import erase as run_erase

    settings = settings_from(contracts, warehouse)
    if not yes:
        typer.confirm(
            f"Erase customer {customer} from {settings.warehouse_path}? This cannot be undone.",
            abort=True,
        )
    receipt = run_erase(settings, customer, _contracts(contracts))
    _emit(receipt, as_json, f"Erased customer {customer}")


@app.command()
def restrict(
    customer: CustomerArgument,
    purpose: Annotated[
        list[str], typer.Option("--purpose", help="Purpose to stop using them for (repeatable).")
    ],
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stop using a customer's data for a purpose and its children (objection, opt-out).

    Example: lineage-pipeline restrict C1 --purpose marketing
    """
    from lineage_pipeline.privacy.restrict import restrict as run_restrict

    receipt = run_restrict(settings_from(None, warehouse), customer, purpose)
    _emit(receipt, as_json, f"Restricted customer {customer} for {', '.join(purpose)}")


@app.command()
def correct(
    customer: CustomerArgument,
    field: Annotated[str, typer.Argument(help="The field to correct, e.g. job_title.")],
    value: Annotated[str, typer.Argument(help="The value the customer says is right.")],
    contracts: ContractsOption = None,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rectify a value: the customer's value wins now and in later runs (source subject_request).

    Example: lineage-pipeline correct C1 job_title "Head of Engineering"
    """
    from lineage_pipeline.privacy.correct import correct as run_correct

    settings = settings_from(contracts, warehouse)
    receipt = run_correct(settings, customer, field, value, _contracts(contracts))
    _emit(receipt, as_json, f"Corrected {field} of customer {customer}")


@app.command()
def retention(warehouse: WarehouseOption = None, as_json: JsonOption = False) -> None:
    """Sweep the published warehouse now: close values past expiry, drop history past the grace.

    Example: lineage-pipeline retention --warehouse data/warehouse.duckdb
    """
    from lineage_pipeline.privacy.retention import sweep

    _emit(sweep(settings_from(None, warehouse)), as_json, "Retention sweep")
