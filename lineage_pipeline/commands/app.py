"""The command line's shared parts: the Typer app, common options, settings and consoles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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


def settings_from(contracts: Path | None, warehouse: Path | None) -> Settings:
    return Settings.from_env(contracts=contracts, warehouse=warehouse)


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    STATE["debug"] = debug
