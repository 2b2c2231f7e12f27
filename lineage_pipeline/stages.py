"""Per-source stage results passed between the stages (and between Dagster assets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from lineage_pipeline.contracts import Contract
from lineage_pipeline.ingest import (
    DELIVERY,
    QUARANTINE_COLUMNS,
    RECORD_ID,
    ROW_NUMBER,
    SourceRecords,
)
from lineage_pipeline.privacy.subject_keys import (
    erased_by_identity,
    suppressed_quarantine,
    suppressed_rows,
)
from lineage_pipeline.standardise import in_quarantine, standardise


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
    # customer_index's result, made once: every source's link step reads it.
    _index: tuple[pd.DataFrame, pd.Series] | None = field(
        default=None, init=False, repr=False, compare=False
    )


@dataclass
class KeptRecords:
    """What the stages after linking read of a standardised source: its kept records, the rows
    quarantined and suppressed, and (first party) the customers whose kept record carries an
    erased identity key. The identities themselves are not held: at a million customers they
    take 430 MB, which linking needs and the merge does not.
    """

    source: str
    records: pd.DataFrame
    quarantine: pd.DataFrame
    suppressed: pd.DataFrame
    erased_by_identity: frozenset = frozenset()


def kept_records(
    standardised: StandardisedSource, contract: Contract, salt: str, erased_keys: set[str]
) -> KeptRecords:
    erased = (
        erased_by_identity(standardised.identities, salt, erased_keys)
        if contract.is_first_party
        else frozenset()
    )
    return KeptRecords(
        source=standardised.source,
        records=standardised.records,
        quarantine=standardised.quarantine,
        suppressed=standardised.suppressed,
        erased_by_identity=erased,
    )


def standardise_source(
    ingested: SourceRecords, contract: Contract, today: date, salt: str, erased_keys: set[str]
) -> StandardisedSource:
    """Standardise a source and drop the records of erased subjects before anything links them."""
    identities, quarantine = standardise(ingested.records, contract, today)
    kept = ~in_quarantine(ingested.records, quarantine)
    erased = suppressed_rows(identities, salt, erased_keys, contract.is_first_party).to_numpy()
    suppressed = _rows(ingested.records, kept).loc[erased, [DELIVERY, ROW_NUMBER]]
    kept[kept] = ~erased  # identities hold the kept rows only; records get the same cut
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
        records=_rows(ingested.records, kept),
        identities=_rows(identities, ~erased),
        quarantine=all_quarantine,
        suppressed=suppressed.reset_index(drop=True),
    )


def _rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows of `frame` where `keep`, indexed 0..n-1: the frame itself (shared, not
    copied: stage results are read, never changed) when that is all of it already."""
    if keep.all() and frame.index.equals(pd.RangeIndex(len(frame))):
        return frame
    return frame[keep].reset_index(drop=True)


def customer_index(customers: StandardisedSource) -> tuple[pd.DataFrame, pd.Series]:
    """The customers' identities for linking (newest record per customer) and their ids; made
    once per StandardisedSource (at a million customers each making hashes the ids and copies
    the frame: 0.3-0.9 s), so callers must not change them."""
    if customers._index is None:
        latest = customers.identities.drop_duplicates(RECORD_ID, keep="last")
        latest = latest.reset_index(drop=True)
        customers._index = (latest, latest[RECORD_ID])
    return customers._index
