"""Dagster metadata for frames: row counts and column schemas the UI shows."""

import dagster as dg
import pandas as pd

from lineage_pipeline.contracts import ContractSet


def _column_type(column: pd.Series) -> str:
    """The type of the values: a categorical column (how merge keeps repeated text) shows its
    categories' type, as the warehouse stores it."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return str(dtype.categories.dtype)
    return str(dtype)


def table_metadata(frame: pd.DataFrame, tags: dict[str, dict[str, str]] | None = None) -> dict:
    tags = tags or {}
    columns = [
        dg.TableColumn(name=str(c), type=_column_type(frame[c]), tags=tags.get(str(c), {}))
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


def field_tags(contracts: ContractSet) -> dict[str, dict[str, str]]:
    """Privacy tags for each field column: allowed purposes, source kinds, legal bases."""
    tags: dict[str, dict[str, set[str]]] = {}
    for contract in contracts.contracts:
        for name, spec in contract.fields.items():
            entry = tags.setdefault(
                name, {"purposes": set(), "source_kind": set(), "legal_basis": set()}
            )
            entry["purposes"].update(spec.purposes)
            entry["source_kind"].add(contract.kind)
            entry["legal_basis"].add(contract.legal_basis)
    return {f: {k: ", ".join(sorted(v)) for k, v in entry.items()} for f, entry in tags.items()}


def field_lineage(contracts: ContractSet) -> dg.TableColumnLineage:
    """Each customers column traced to the delivery columns it may come from."""
    deps: dict[str, list[dg.TableColumnDep]] = {}
    for contract in contracts.contracts:
        for name, spec in contract.fields.items():
            deps.setdefault(name, []).append(
                dg.TableColumnDep(
                    asset_key=source_key(contract.name, "records"), column_name=spec.column
                )
            )
    return dg.TableColumnLineage(deps_by_column=deps)
