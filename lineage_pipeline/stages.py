"""Per-source stage results passed between the stages (and between Dagster assets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from lineage_pipeline.contracts import Contract
from lineage_pipeline.ingest import (
    DELIVERY,
    QUARANTINE_COLUMNS,
    RECORD_ID,
    ROW_NUMBER,
    SourceRecords,
)
from lineage_pipeline.privacy.subject_keys import suppressed_quarantine, suppressed_rows
from lineage_pipeline.standardise import standardise


@dataclass
class StandardisedSource:
    """A source's kept records with their identities; quarantined and erased rows removed.

    `records` and `identities` are row-aligned.
    """

    source: str
    records: pd.DataFrame
    identities: pd.DataFrame
    quarantine: pd.DataFrame
    suppressed: pd.DataFrame


def standardise_source(
    ingested: SourceRecords, contract: Contract, today: date, salt: str, erased_keys: set[str]
) -> StandardisedSource:
    """Standardise a source and drop the records of erased subjects before anything links them."""
    identities, quarantine = standardise(ingested.records, contract, today)
    bad = set(zip(quarantine["delivery"], quarantine["row_number"], strict=True))
    keys = list(zip(ingested.records[DELIVERY], ingested.records[ROW_NUMBER], strict=True))
    records = ingested.records[[k not in bad for k in keys]].reset_index(drop=True)
    erased = suppressed_rows(identities, salt, erased_keys, contract.is_first_party)
    suppressed = records.loc[erased.to_numpy(), [DELIVERY, ROW_NUMBER]]
    all_quarantine = pd.concat([ingested.quarantine, quarantine], ignore_index=True).reindex(
        columns=QUARANTINE_COLUMNS
    )
    region = contract.standardise.default_region
    erased_rejects = suppressed_quarantine(
        all_quarantine, salt, erased_keys, contract.is_first_party, region
    )
    all_quarantine = all_quarantine[~erased_rejects.to_numpy()].reset_index(drop=True)
    return StandardisedSource(
        source=contract.name,
        records=records[~erased.to_numpy()].reset_index(drop=True),
        identities=identities[~erased.to_numpy()].reset_index(drop=True),
        quarantine=all_quarantine,
        suppressed=suppressed.reset_index(drop=True),
    )


def customer_index(customers: StandardisedSource) -> tuple[pd.DataFrame, pd.Series]:
    """The customers' identities for linking (newest record per customer) and their ids."""
    latest = customers.identities.drop_duplicates(RECORD_ID, keep="last").reset_index(drop=True)
    return latest, latest[RECORD_ID]
