"""Pipeline commands: run, validate-contracts, evaluate."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lineage_pipeline.commands.app import (
    ContractsOption,
    JsonOption,
    WarehouseOption,
    app,
    console,
    errors,
    settings_from,
)


@app.command()
def run(
    contracts: ContractsOption = None,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the whole pipeline headless through Dagster and publish the warehouse.

    Example: lineage-pipeline run --contracts contracts --warehouse data/warehouse.duckdb
    """
    # Dagster's beta notices speak to developers of the definitions, not to whoever runs them.
    warnings.filterwarnings("ignore", message=".*is currently in (beta|preview)")
    from assets.runner import run_pipeline  # Dagster loads only for this command

    settings = settings_from(contracts, warehouse)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=as_json,
    ) as progress:
        task = progress.add_task("running assets", total=None)

        def on_step(step: str, ok: bool) -> None:
            progress.update(task, advance=1, description=f"{'done' if ok else 'FAILED'}: {step}")

        outcome = run_pipeline(
            settings, on_step, on_plan=lambda steps: progress.update(task, total=steps)
        )
    if not outcome.success:
        for failure in outcome.failures:
            errors.print(f"[red]failed[/red] {failure}")
        for check in outcome.failed_checks:
            errors.print(f"[red]check failed[/red] {check}")
        errors.print(
            f"Run {outcome.run_id} did not publish; {settings.warehouse_path} is unchanged."
        )
        raise typer.Exit(1)
    for check in outcome.failed_checks:  # warnings only: a critical failure stops the run
        errors.print(f"[yellow]warning[/yellow] {check}")
    from lineage_pipeline.report import print_run_summary, run_summary

    summary = run_summary(settings.warehouse_path, outcome.run_id)
    if as_json:
        console.print_json(json.dumps(summary, default=str))
    else:
        print_run_summary(console, summary, settings.warehouse_path)


@app.command("validate-contracts")
def validate_contracts(contracts: ContractsOption = None, as_json: JsonOption = False) -> None:
    """Check every contract: purposes, legal bases, identity fields, globs and mapped columns.

    Example: lineage-pipeline validate-contracts --contracts contracts
    """
    from lineage_pipeline.contracts import load_contracts
    from lineage_pipeline.ingest import check_delivery_headers

    loaded = load_contracts(settings_from(contracts, None).contracts_dir)
    problems = [p for c in loaded.contracts for p in check_delivery_headers(c)]
    rows = [
        {
            "source": c.name,
            "kind": c.kind,
            "deliveries": len(c.delivery_files()),
            "fields": len(c.fields),
            "identity": sorted(c.identity),
        }
        for c in loaded.contracts
    ]
    if as_json:
        console.print_json(json.dumps({"sources": rows, "problems": problems}))
    else:
        table = Table("source", "kind", "deliveries", "fields", "identity fields")
        for r in rows:
            table.add_row(
                r["source"],
                r["kind"],
                str(r["deliveries"]),
                str(r["fields"]),
                ", ".join(r["identity"]),
            )
        console.print(table)
        for problem in problems:
            errors.print(f"[red]{problem}[/red]")
    if problems:
        raise typer.Exit(1)


@app.command()
def deliveries(
    contracts: ContractsOption = None,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> None:
    """List every delivery file the contracts match and what the published warehouse holds of
    it: ingested, duplicate, rejected, or new / changed since (the next run reads it).

    Example: lineage-pipeline deliveries --contracts contracts --json
    """
    from lineage_pipeline.contracts import load_contracts
    from lineage_pipeline.deliveries import delivery_status

    settings = settings_from(contracts, warehouse)
    rows = delivery_status(load_contracts(settings.contracts_dir), settings.warehouse_path)
    if as_json:
        console.print_json(json.dumps(rows, default=str))
        return
    table = Table("source", "delivery", "status", "rows", "quarantined", "ingested at")
    for r in rows:
        table.add_row(
            *(
                "" if r[k] is None else str(r[k])
                for k in ("source", "delivery", "status", "rows", "rows_quarantined")
            ),
            "" if r["ingested_at"] is None else str(r["ingested_at"])[:19],
        )
    console.print(table)
    for r in rows:
        if r["error"]:
            errors.print(f"[yellow]{r['source']} {r['delivery']}[/yellow]: {r['error']}")


@app.command()
def evaluate(
    truth: Annotated[Path, typer.Option("--truth", help="CSV: customer_id, field, expected.")],
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score the warehouse's enrichment against labelled truth: precision, recall, F1.

    Example: lineage-pipeline evaluate --truth data/samples/truth.csv
    """
    from lineage_pipeline.evaluate import evaluate as score

    scores = score(settings_from(None, warehouse).warehouse_path, truth)
    if as_json:
        console.print_json(json.dumps(scores.as_dict()))
        return
    table = Table("labelled", "correct", "wrong fills", "missed", "precision", "recall", "F1")
    table.add_row(
        str(scores.labelled),
        str(scores.correct),
        str(scores.wrong_fills),
        str(scores.missed),
        f"{scores.precision:.4f}",
        f"{scores.recall:.4f}",
        f"{scores.f1:.4f}",
    )
    console.print(table)
