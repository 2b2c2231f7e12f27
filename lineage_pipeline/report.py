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


def _md_table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]


def summary_markdown(summary: dict, charts: dict[str, str]) -> str:
    """The run in plain markdown for the Dagster UI: rows in and quarantined per delivery,
    candidate pairs and links per source, the enrichment rate per field, and each source's
    match-probability chart (`charts`, by source)."""
    customers = summary.get("customers", 0)
    lines = [f"**{customers} customers, {summary.get('current_values', 0)} current values**", ""]
    lines += [
        "#### Deliveries",
        *_md_table(
            ["source", "delivery", "status", "rows", "quarantined", "linked", "unlinked"],
            [
                [
                    d["source"],
                    Path(d["path"]).name,
                    d["status"],
                    d["rows"],
                    d["rows_quarantined"],
                    d["rows_linked"],
                    d["rows_unlinked"],
                ]
                for d in summary.get("deliveries", [])
            ],
        ),
        "",
    ]
    lines += [
        "#### Linkage",
        *_md_table(
            ["source", "candidate pairs", "links", "records linked"],
            [
                [name, s["candidate_pairs"], s["links"], s["linked_records"]]
                for name, s in summary.get("linkage", {}).items()
            ],
        ),
        "",
    ]
    lines += [
        "#### Enrichment rate per field",
        *_md_table(
            ["field", "customers enriched", "rate"],
            [
                [field, count, f"{count / customers:.1%}" if customers else "-"]
                for field, count in summary.get("fields_enriched", {}).items()
            ],
        ),
    ]
    for name, chart in charts.items():
        lines += ["", f"#### Match probability: {name}", chart]
    return "\n".join(lines)
