"""Dagster metadata for frames: row counts and column schemas the UI shows."""

import dagster as dg
import pandas as pd


def table_metadata(frame: pd.DataFrame, tags: dict[str, dict[str, str]] | None = None) -> dict:
    tags = tags or {}
    columns = [
        dg.TableColumn(name=str(c), type=str(frame[c].dtype), tags=tags.get(str(c), {}))
        for c in frame.columns
    ]
    return {
        "dagster/row_count": dg.MetadataValue.int(len(frame)),
        "dagster/column_schema": dg.TableSchema(columns=columns),
    }


def markdown_table(rows: list[dict]) -> dg.MetadataValue:
    if not rows:
        return dg.MetadataValue.md("_none_")
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows]
    return dg.MetadataValue.md("\n".join(lines))


SOURCES_PREFIX = "sources"


def source_key(source: str, stage: str) -> dg.AssetKey:
    """Per-source assets live under `sources/<name>/`, apart from the warehouse assets."""
    return dg.AssetKey([SOURCES_PREFIX, source, stage])


def histogram_markdown(counts: list[int], threshold: float, width: int = 40) -> dg.MetadataValue:
    """A text bar chart of match probabilities in tenths, marking the contract's threshold."""
    peak = max(counts) or 1
    lines = ["```", "probability   pairs"]
    for i, count in enumerate(counts):
        low, high = i / len(counts), (i + 1) / len(counts)
        mark = (
            "  <- threshold"
            if low <= threshold < high or (high == 1.0 and threshold == 1.0)
            else ""
        )
        bar = "#" * max(1 if count else 0, round(width * count / peak))
        lines.append(f"{low:.1f}-{high:.1f}  {count:>7}  {bar}{mark}")
    lines.append("```")
    return dg.MetadataValue.md("\n".join(lines))
