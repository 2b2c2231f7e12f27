"""How privacy results print for people: receipts, traces, purposes (JSON is printed as is)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:  # the command line starts fast: the library loads only when a command runs
    from lineage_pipeline.privacy.purposes import PurposeUse
    from lineage_pipeline.privacy.requests import Receipt


def print_json(console: Console, data: Any) -> None:
    """`data` as JSON, the text Rich's print_json writes; highlighted only on a terminal (for a
    pipe or a file the text is the same, and highlighting a subject-access document takes
    tens of milliseconds)."""
    if console.is_terminal:
        console.print_json(data=data, default=str)
    else:
        console.file.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_receipt(console: Console, receipt: Receipt, title: str) -> None:
    console.print(f"[bold]{escape(title)}[/bold] (request {receipt.request_id})")
    table = Table("table", "rows")
    for name, count in receipt.counts.items():
        table.add_row(name, f"{count:+d}" if count else "0")
    console.print(table)
    for note in receipt.notes:
        console.print(f"- {escape(note)}")


def _date(value: str | None) -> str:
    return value[:10] if value else "never"


def _value_lines(v: dict[str, Any]) -> list[str]:
    supplier = v["supplier"] or "the customer"
    lines = [
        f"  [bold]{escape(v['status'])}[/bold]  {escape(repr(v['value']))}  from "
        f"[cyan]{escape(v['source'])}[/cyan] ({escape(supplier)}, {v['source_kind']}; "
        f"{v['legal_basis']}; licence: {escape(str(v['licence'] or '-'))})",
        f"      delivery {escape(Path(v['delivery']).name)} sha256 "
        f"{(v['delivery_sha256'] or '-')[:12]}  record {escape(str(v['source_record_id']))}  "
        f"run {v['run_id']}",
    ]
    if v["match"]:
        lines.append(f"      match {v['decision']}: {escape(v['match']['text'])}")
    lines.append(
        f"      purposes {', '.join(v['purposes'] or [])}  acquired {_date(v['acquired_at'])}  "
        f"expires {_date(v['expires_at'])}  valid {_date(v['valid_from'])} to "
        f"{_date(v['valid_to']) if v['valid_to'] else 'now'}"
    )
    lines.append(f"      [italic]{escape(v['why'])}[/italic]")
    return lines


def print_trace(console: Console, result: dict[str, Any]) -> None:
    when = f" as of {result['as_of']}" if result["as_of"] else ""
    console.print(f"[bold]Customer {escape(result['customer_id'])}[/bold]{when}")
    if not result["fields"]:
        console.print("Nothing was held then.")
    for field in result["fields"]:
        console.print(f"\n[bold underline]{escape(field['field'])}[/bold underline]")
        # One print per field, not per line: each print is a whole Rich render.
        lines = [line for value in field["values"] for line in _value_lines(value)]
        console.print("\n".join(lines), highlight=False)


def print_purposes(
    console: Console, catalogue: dict[str, list[PurposeUse]], descriptions: dict[str, str]
) -> None:
    table = Table("purpose", "meaning", "fields (source)", title="Purposes", show_lines=True)
    for purpose, uses in catalogue.items():
        fields = "\n".join(
            f"{u.field} ({u.source}" + (f", as {u.allowed_as})" if u.allowed_as != purpose else ")")
            for u in uses
        )
        table.add_row(purpose, descriptions[purpose], fields or "-")
    console.print(table)
