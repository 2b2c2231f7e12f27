"""Print a few example queries against the warehouse: what `make demo` ends with."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lineage_pipeline.settings import DEFAULT_WAREHOUSE
from lineage_pipeline.warehouse import connect, require

EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Enrichment rate per third-party field",
        "SELECT field, source, count(DISTINCT customer_id) AS customers, "
        "round(avg(match_probability), 4) AS mean_match_probability "
        "FROM customer_fields WHERE is_current AND source_kind <> 'first_party' "
        "GROUP BY ALL ORDER BY field",
    ),
    (
        "Where one customer's job title came from",
        "SELECT customer_id, value, source, source_record_id, "
        "round(match_probability, 4) AS probability, purposes, expires_at::DATE AS expires "
        "FROM customer_fields WHERE field = 'job_title' AND is_current "
        "ORDER BY customer_id LIMIT 3",
    ),
    (
        "Deliveries: rows in = linked + unlinked + quarantined",
        "SELECT source, regexp_extract(path, '[^/]+$') AS file, rows, rows_linked AS linked, "
        "rows_unlinked AS unlinked, rows_quarantined AS quarantined FROM deliveries "
        "ORDER BY source, file",
    ),
)


def show(warehouse: Path, console: Console) -> None:
    with connect(require(warehouse)) as con:
        for title, sql in EXAMPLES:
            result = con.execute(sql)
            columns = [d[0] for d in result.description]
            table = Table(*columns, title=title)
            for row in result.fetchall():
                table.add_row(*("" if v is None else str(v) for v in row))
            console.print(table)
            console.print(f"[dim]{sql}[/dim]\n")
    console.print(
        f"Warehouse: [bold]{Path(warehouse).resolve()}[/bold]. Query it from Python with "
        f"duckdb.connect('{warehouse}', read_only=True)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    show(parser.parse_args().warehouse, Console())


if __name__ == "__main__":
    main()
