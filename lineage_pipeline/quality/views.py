"""What each stage's suite sees: stage results in, the DataFrame to validate and the suite's
parameters (from the contracts) out.

Invariant: views only select, reshape and mark blanks as missing; they never change a value that
reaches the warehouse.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lineage_pipeline.contracts import Contract, ContractSet
from lineage_pipeline.ingest import (
    DELIVERY,
    FORMULA_START,
    MAX_FIELD_LENGTH,
    RECORD_ID,
    ROW_NUMBER,
)
from lineage_pipeline.link import LinkResult
from lineage_pipeline.merge import FIELD_COLUMNS
from lineage_pipeline.stages import StandardisedSource
from lineage_pipeline.standardise import IDENTITY_COLUMNS
from lineage_pipeline.vocabulary import LEGAL_BASES, SOURCE_KINDS, SUBJECT_REQUEST

# Identity fields whose readability is checked against what the raw record gave.
GIVEN_FIELDS = ("email", "phone")
LINK_COLUMNS = [RECORD_ID, DELIVERY, "customer_id", "match_probability"]


def _blank_as_missing(column: pd.Series) -> np.ndarray:
    """The column's own values (the same string objects), with blank or missing cells None."""
    values = column.to_numpy(dtype=object, copy=True)
    try:
        blank = (column.astype(object).str.strip() == "").to_numpy()
    except AttributeError:  # not one string in the column (a numeric parquet column): no blanks
        blank = np.zeros(len(values), dtype=bool)
    values[blank | pd.isna(values)] = None
    return values


def _codes(codes: np.ndarray, categories: int) -> np.ndarray:
    """Categorical codes in the narrowest integer that holds them (one byte a cell, mostly)."""
    return codes.astype(np.int8 if categories < 127 else np.int32)


def delivery_view(rows: pd.DataFrame, contract: Contract) -> pd.DataFrame:
    """Kept rows as (delivery, row, column, value) triples over the contract's columns.

    One long frame lets one expectation cover every column (and name the failing one); blank
    cells are missing. Built column by column rather than melted: `value` holds the rows' own
    string objects and `column` and `_delivery` are categorical, about 18 bytes a cell.
    """
    columns = [c for c in contract.mapped_columns() if c in rows]
    count, width = len(rows), len(columns)
    values = np.empty(count * width, dtype=object)
    for position, column in enumerate(columns):
        values[position * count : (position + 1) * count] = _blank_as_missing(rows[column])
    deliveries, names = pd.factorize(rows[DELIVERY])
    delivery_codes = np.tile(_codes(deliveries, len(names)), width)
    column_codes = np.repeat(_codes(np.arange(width), width), count)
    return pd.DataFrame(
        {
            DELIVERY: pd.Categorical.from_codes(delivery_codes, categories=list(names)),
            ROW_NUMBER: np.tile(rows[ROW_NUMBER].to_numpy(dtype=np.int64), width),
            "column": pd.Categorical.from_codes(column_codes, categories=columns),
            "value": values,
        }
    )


def delivery_parameters(contract: Contract) -> dict[str, Any]:
    return {
        "mapped_columns": list(contract.mapped_columns()),
        "record_id_rows": f"column == {contract.delivery.record_id!r}",
        "max_field_length": MAX_FIELD_LENGTH,
        "formula_pattern": FORMULA_START.pattern,
    }


def identities_view(standardised: StandardisedSource, contract: Contract) -> pd.DataFrame:
    """Identities plus `<field>_given`: whether the raw record had a value for that field."""
    view = standardised.identities.copy()
    raw = standardised.records
    for field in GIVEN_FIELDS:
        column = contract.identity.get(field)
        if column is None or column not in raw:
            view[f"{field}_given"] = False
            continue
        given = raw[column].fillna("").astype(str).str.strip() != ""
        view[f"{field}_given"] = given.to_numpy()
    return view


def identities_parameters(contract: Contract) -> dict[str, Any]:
    del contract  # every source is standardised to the same columns
    return {"identity_columns": list(IDENTITY_COLUMNS)}


def links_view(result: LinkResult) -> pd.DataFrame:
    return result.links.assign(source=result.source)


def links_parameters(contract: Contract) -> dict[str, Any]:
    person = contract.match.entity == "person"
    return {
        "link_columns": LINK_COLUMNS,
        "threshold": contract.match.threshold,
        # GX compares compound keys only: an organisation's key is (source, customer).
        "link_key": [DELIVERY, RECORD_ID] if person else ["source", "customer_id"],
    }


def customer_fields_view(fields: pd.DataFrame) -> pd.DataFrame:
    return fields


def customer_fields_parameters(contracts: ContractSet) -> dict[str, Any]:
    return {
        "field_columns": FIELD_COLUMNS,
        "field_names": contracts.field_names(),
        "source_names": [*(c.name for c in contracts.contracts), SUBJECT_REQUEST],
        "source_kinds": [*SOURCE_KINDS, SUBJECT_REQUEST],
        "legal_bases": list(LEGAL_BASES),
    }


def customers_parameters(contracts: ContractSet) -> dict[str, Any]:
    return {"customer_columns": ["customer_id", *contracts.field_names()]}
