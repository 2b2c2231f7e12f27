"""The command line: one face over the library and the Dagster run.

Exit codes: 0 ok, 1 data or check failure, 2 usage. Errors are one or two plain sentences
naming the file and key or row at fault; `--debug` shows the traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lineage_pipeline.errors import LineageError
from lineage_pipeline.settings import Settings

app = typer.Typer(
    help="Enrich customer records with third-party data, and answer for every field where it "
    "came from and what it may be used for.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)
STATE = {"debug": False}

ContractsOption = Annotated[
    Path, typer.Option("--contracts", help="Folder of source contracts (LINEAGE_CONTRACTS).")
]
WarehouseOption = Annotated[
    Path, typer.Option("--warehouse", help="The DuckDB warehouse file (LINEAGE_WAREHOUSE).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _settings(contracts: Path | None, warehouse: Path | None) -> Settings:
    return Settings.from_env(contracts=contracts, warehouse=warehouse)


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    STATE["debug"] = debug


@app.command()
def run(
    contracts: ContractsOption = None,
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the whole pipeline headless through Dagster and publish the warehouse.

    Example: lineage-pipeline run --contracts contracts --warehouse data/warehouse.duckdb
    """
    from assets.runner import run_pipeline  # Dagster loads only for this command

    settings = _settings(contracts, warehouse)
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

        from assets.factory import build_definitions
        from assets.runner import step_count

        progress.update(task, total=step_count(build_definitions(settings)))
        outcome = run_pipeline(settings, on_step)
    if not outcome.success:
        for failure in outcome.failures:
            errors.print(f"[red]failed[/red] {failure}")
        for check in outcome.failed_checks:
            errors.print(f"[red]check failed[/red] {check}")
        errors.print(
            f"Run {outcome.run_id} did not publish; {settings.warehouse_path} is unchanged."
        )
        raise typer.Exit(1)
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

    loaded = load_contracts(_settings(contracts, None).contracts_dir)
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
def evaluate(
    truth: Annotated[Path, typer.Option("--truth", help="CSV: customer_id, field, expected.")],
    warehouse: WarehouseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score the warehouse's enrichment against labelled truth: precision, recall, F1.

    Example: lineage-pipeline evaluate --truth data/samples/truth.csv
    """
    from lineage_pipeline.evaluate import evaluate as score

    scores = score(_settings(None, warehouse).warehouse_path, truth)
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


def main() -> None:
    """Entry point: plain errors and meaningful exit codes."""
    try:
        app(standalone_mode=False)
    except LineageError as exc:
        if STATE["debug"]:
            raise
        errors.print(f"[red]error:[/red] {exc}")
        sys.exit(1)
    except (typer.BadParameter, typer.Abort) as exc:
        errors.print(f"[red]usage:[/red] {exc}")
        sys.exit(2)
    except SystemExit:
        raise
    except Exception as exc:  # a bug, not bad input: say so briefly unless debugging
        if STATE["debug"]:
            raise
        errors.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc} (rerun with --debug)")
        sys.exit(1)


if __name__ == "__main__":
    main()
