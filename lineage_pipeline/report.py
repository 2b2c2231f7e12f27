"""Reports for people: the run summary as stored in the warehouse, printed as tables."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lineage_pipeline.warehouse import connect


def run_summary(warehouse: Path, run_id: str) -> dict:
    with connect(warehouse) as con:
        row = con.execute("SELECT summary FROM runs WHERE run_id = ?", [run_id]).fetchone()
    return json.loads(row[0]) if row else {}


def print_run_summary(console: Console, summary: dict, warehouse: Path) -> None:
    table = Table(
        "source",
        "delivery",
        "status",
        "rows",
        "linked",
        "unlinked",
        "quarantined",
        title="Deliveries",
    )
    for d in summary.get("deliveries", []):
        table.add_row(
            d["source"],
            Path(d["path"]).name,
            d["status"],
            str(d["rows"]),
            str(d["rows_linked"]),
            str(d["rows_unlinked"]),
            str(d["rows_quarantined"]),
        )
    console.print(table)
    links = Table(
        "source",
        "candidate pairs",
        "links",
        "records linked",
        "pairs per blocking pass",
        title="Linkage",
    )
    for name, s in summary.get("linkage", {}).items():
        passes = ", ".join(
            f"{k}: {'skipped, not selective' if v < 0 else v}"
            for k, v in s["candidates_per_pass"].items()
        )
        links.add_row(
            name, str(s["candidate_pairs"]), str(s["links"]), str(s["linked_records"]), passes
        )
    console.print(links)
    enriched = Table("field", "customers enriched", title="Fields enriched by third parties")
    for field, count in summary.get("fields_enriched", {}).items():
        enriched.add_row(field, str(count))
    console.print(enriched)
    console.print(
        f"{summary.get('customers', 0)} customers, {summary.get('current_values', 0)} current "
        f"values. Warehouse: [bold]{Path(warehouse).resolve()}[/bold]"
    )
