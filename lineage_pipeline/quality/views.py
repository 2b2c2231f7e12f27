"""What each stage's suite sees: stage results in, the DataFrame to validate and the suite's
parameters (from the contracts) out.

Invariant: views only select, reshape and mark blanks as missing; they never change a value that
reaches the warehouse.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

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
from lineage_pipeline.narrow import narrow
from lineage_pipeline.quality.keys import Codes, Factorized
from lineage_pipeline.stages import StandardisedSource
from lineage_pipeline.standardise import IDENTITY_COLUMNS
from lineage_pipeline.text_bulk import DistinctText
from lineage_pipeline.vocabulary import LEGAL_BASES, SOURCE_KINDS, SUBJECT_REQUEST

# Identity fields whose readability is checked against what the raw record gave.
GIVEN_FIELDS = ("email", "phone")
LINK_COLUMNS = [RECORD_ID, DELIVERY, "customer_id", "match_probability"]


def _blank_as_missing(column: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The column's own values (the same string objects), with blank or missing cells None; a
    code per cell into the distinct values kept (-1: None); and those values. A string is
    blank when it strips to nothing (`.str.strip() == ""`), judged once per distinct value:
    equal values are equal strings, or not strings at all."""
    values = column.to_numpy(dtype=object, copy=True)
    codes, distinct = pd.factorize(values)  # missing cells: -1
    if infer_dtype(distinct, skipna=False) == "string":  # the common case, at C speed
        blank = ~np.fromiter(map(bool, map(str.strip, distinct)), dtype=bool, count=len(distinct))
    else:
        blank = np.fromiter(
            (isinstance(v, str) and v.strip() == "" for v in distinct),
            dtype=bool,
            count=len(distinct),
        )
    kept = np.full(len(distinct) + 1, -1, dtype=np.int64)  # the last: missing cells' code -1
    kept[np.flatnonzero(~blank)] = np.arange(int((~blank).sum()))
    codes = kept[codes]
    values[codes < 0] = None
    return values, codes, np.asarray(distinct, dtype=object)[~blank]


def delivery_view(rows: pd.DataFrame, contract: Contract) -> pd.DataFrame:
    """Kept rows as (delivery, row, column, value) triples over the contract's columns.

    One long frame lets one expectation cover every column (and name the failing one); blank
    cells are missing. Built column by column rather than melted: `value` holds the rows' own
    string objects and `column` and `_delivery` are categorical, about 18 bytes a cell.
    """
    return coded_delivery_view(rows, contract)[0]


def coded_delivery_view(
    rows: pd.DataFrame, contract: Contract
) -> tuple[pd.DataFrame, dict[str, Factorized]]:
    """`delivery_view`, and its `value` column coded as it was built (each source column's
    distinct values in turn, None last): the validation need not hash every value again. One
    string in two columns has two codes (exact, if less reduced); the code is not pandas'
    equality across columns, so it is marked as such."""
    columns = [c for c in contract.mapped_columns() if c in rows]
    count, width = len(rows), len(columns)
    values = np.empty(count * width, dtype=object)
    codes = np.empty(count * width, dtype=np.int64)
    distinct: list[np.ndarray] = []
    offset = 0
    for position, column in enumerate(columns):
        cells = slice(position * count, (position + 1) * count)
        values[cells], column_codes, kept = _blank_as_missing(rows[column])
        codes[cells] = np.where(column_codes >= 0, column_codes + offset, -1)
        distinct.append(kept)
        offset += len(kept)
    missing = codes < 0
    codes[missing] = offset  # one code for None, the only missing value here
    coded = Factorized(
        Codes(codes, offset + int(missing.any())),
        np.concatenate(distinct) if distinct else np.empty(0, dtype=object),
        offset,
        pandas_equality=False,
    )
    deliveries, names = pd.factorize(rows[DELIVERY])
    delivery_codes = np.tile(narrow(deliveries, len(names) - 1), width)
    column_codes = np.repeat(narrow(np.arange(width), width - 1), count)
    frame = pd.DataFrame(
        {
            DELIVERY: pd.Categorical.from_codes(delivery_codes, categories=list(names)),
            ROW_NUMBER: np.tile(rows[ROW_NUMBER].to_numpy(dtype=np.int64), width),
            "column": pd.Categorical.from_codes(column_codes, categories=columns),
            "value": values,
        }
    )
    return frame, {"value": coded}


def delivery_parameters(contract: Contract) -> dict[str, Any]:
    return {
        "mapped_columns": list(contract.mapped_columns()),
        "record_id_rows": f"column == {contract.delivery.record_id!r}",
        "max_field_length": MAX_FIELD_LENGTH,
        "formula_pattern": FORMULA_START.pattern,
    }


def identities_view(standardised: StandardisedSource, contract: Contract) -> pd.DataFrame:
    """Identities plus `<field>_given`: whether the raw record had a value for that field."""
    view = standardised.identities.copy(deep=False)  # new columns only: the values are shared
    raw = standardised.records
    for field in GIVEN_FIELDS:
        column = contract.identity.get(field)
        if column is None or column not in raw:
            view[f"{field}_given"] = False
            continue
        # As fillna("").astype(str).str.strip() != "", once per distinct value.
        view[f"{field}_given"] = DistinctText(raw[column]).codes >= 0
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
