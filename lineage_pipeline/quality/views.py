"""What each stage's suite sees: stage results in, the DataFrame to validate and the suite's
parameters (from the contracts) out.

Invariant: views only select, reshape and mark blanks as missing; they never change a value that
reaches the warehouse.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from lineage_pipeline.contracts import Contract, ContractSet
from lineage_pipeline.ingest import (
    DELIVERY,
    FORMULA_START,
    MAX_FIELD_LENGTH,
    RECORD_ID,
    ROW_NUMBER,
    SourceRecords,
)
from lineage_pipeline.link import LinkResult
from lineage_pipeline.merge import FIELD_COLUMNS
from lineage_pipeline.stages import StandardisedSource
from lineage_pipeline.standardise import IDENTITY_COLUMNS
from lineage_pipeline.vocabulary import LEGAL_BASES, SOURCE_KINDS, SUBJECT_REQUEST

# Identity fields whose readability is checked against what the raw record gave.
GIVEN_FIELDS = ("email", "phone")
LINK_COLUMNS = [RECORD_ID, DELIVERY, "customer_id", "match_probability"]


def _blank_as_missing(frame: pd.DataFrame) -> pd.DataFrame:
    text = frame.astype(object)
    stripped = text.apply(lambda column: column.map(str.strip, na_action="ignore"))
    return text.where(stripped.notna() & (stripped != ""), None)


def delivery_view(records: SourceRecords, contract: Contract) -> pd.DataFrame:
    """The kept rows as (delivery, row, column, value) triples over the contract's columns.

    One long frame lets one expectation cover every column (and name the failing one); blank
    cells are missing.
    """
    columns = [c for c in contract.mapped_columns() if c in records.records]
    wide = _blank_as_missing(records.records[columns])
    wide[DELIVERY] = records.records[DELIVERY].to_numpy()
    wide[ROW_NUMBER] = records.records[ROW_NUMBER].to_numpy()
    long = wide.melt(id_vars=[DELIVERY, ROW_NUMBER], var_name="column", value_name="value")
    return long.astype({"value": object}).where(long.notna(), None)


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
