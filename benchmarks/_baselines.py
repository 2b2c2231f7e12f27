"""Baselines (`pip install -e '.[bench]'` for Splink): our linker, Splink and plain recordlinkage
each link every third-party source of the same workload in a fresh process; the links go
through our own merge and are scored against the same truth, so F1 compares linking only.

Input: a Workload. Output: per contender, link seconds, peak memory during linking, scores.
Standardised inputs are made first (with the library's own ingest and standardise) and are not
timed; the peak is the process's peak while linking, inputs held, as in a pipeline run.
"""

from __future__ import annotations

import gc
import time
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks._child import Emit, run_child
from benchmarks._memory import PeakMemory
from benchmarks._report import table
from benchmarks._workload import Workload

BASELINES = ("splink", "splink-docs", "recordlinkage")
NEEDS = {"splink": "splink", "splink-docs": "splink"}  # contender -> module it needs


def _prepared(contracts_dir: str, now: datetime) -> tuple[Any, dict, dict]:
    """Contracts, ingested records and standardised identities of every source."""
    from lineage_pipeline.contracts import load_contracts
    from lineage_pipeline.ingest import ingest_source
    from lineage_pipeline.stages import standardise_source

    contracts = load_contracts(Path(contracts_dir))
    ingested = {c.name: ingest_source(c, now) for c in contracts.contracts}
    standardised = {
        c.name: standardise_source(ingested[c.name], c, now.date(), "", set())
        for c in contracts.contracts
    }
    return contracts, ingested, standardised


def _scores(contracts, ingested, standardised, links, now: datetime, truth: str) -> dict:
    """The links through our merge to a customers table, scored like a pipeline run."""
    from lineage_pipeline import merge
    from lineage_pipeline.evaluate import read_truth, score
    from lineage_pipeline.ingest import RECORD_ID
    from lineage_pipeline.settings import Settings

    values = []
    for c in contracts.contracts:
        delivered = [d for d in ingested[c.name].deliveries if not d.error]
        values.append(
            merge.SourceValues(
                contract=c,
                records=standardised[c.name].records,
                acquired_at={d.path: d.acquired_at for d in delivered},
                run_ids={d.path: "benchmark" for d in delivered},
                links=None if c.is_first_party else links[c.name],
            )
        )
    fields = merge.customer_fields(values, pd.DataFrame(), contracts, now, Settings().history_grace)
    first_party = standardised[contracts.first_party.name].identities[RECORD_ID]
    customers = merge.customers_table(fields, first_party, contracts.field_names())
    return score(read_truth(Path(truth)), customers).as_dict()


def baseline_job(emit: Emit, contender: str, contracts_dir: str, now: str, truth: str) -> dict:
    from benchmarks._contenders import CONTENDERS, DETAILS
    from lineage_pipeline.stages import customer_index

    clock = datetime.fromisoformat(now)
    started = time.perf_counter()
    contracts, ingested, standardised = _prepared(contracts_dir, clock)
    customers, customer_ids = customer_index(standardised[contracts.first_party.name])
    emit("note", f"{contender}: inputs ready in {time.perf_counter() - started:.1f} s")
    link = CONTENDERS[contender]
    gc.collect()
    memory = PeakMemory()
    started = time.perf_counter()
    links, per_source = {}, {}
    for c in contracts.third_party:
        source_started = time.perf_counter()
        links[c.name] = link(c, standardised[c.name].identities, customers, customer_ids)
        per_source[c.name] = round(time.perf_counter() - source_started, 2)
    seconds = time.perf_counter() - started
    peak = memory.peak_mb()
    emit("note", f"{contender}: linked in {seconds:.1f} s, peak {peak:.0f} MB")
    return {
        "seconds": round(seconds, 2),
        "per_source_seconds": per_source,
        "peak_mb": round(peak, 1),
        "links": {name: len(frame) for name, frame in links.items()},
        "details": DETAILS,
        "scores": _scores(contracts, ingested, standardised, links, clock, truth),
    }


def run_baselines(
    workload: Workload, now: datetime, timeout: float | None, logs: Path
) -> dict[str, Any]:
    """Our linker alone, then each baseline whose package is installed; each process's own
    output (Splink's warnings, say) goes to `logs`/baseline-<name>.log."""
    results: dict[str, Any] = {}
    for contender in ("lineage-pipeline", *BASELINES):
        module = NEEDS.get(contender)
        if module and find_spec(module) is None:
            results[contender] = {
                "skipped": f"{module} is not installed: pip install -e '.[bench]'"
            }
            continue
        print(f"baseline: {contender}", flush=True)
        args = (
            contender,
            str(workload.contracts_dir.resolve()),
            now.isoformat(),
            str(workload.truth_path.resolve()),
        )
        outcome = run_child(
            baseline_job,
            args,
            timeout,
            on_event=lambda _, note: print(f"  {note}", flush=True),
            log=logs / f"baseline-{contender}.log",
        )
        if outcome.result is not None:
            results[contender] = outcome.result
        else:
            results[contender] = {
                "error": outcome.error or f"stopped after {timeout} s",
                "timed_out": outcome.timed_out,
                "seconds": round(outcome.seconds, 1),
            }
    return results


def _ratio(theirs: float, ours: float | None) -> float | None:
    return round(theirs / ours, 2) if ours else None


def baseline_table(baselines: dict[str, Any], pipeline: dict[str, Any]) -> str:
    """Each linker's time, peak and F1, and theirs / ours (above 1: ours is faster or smaller)."""
    mine = baselines.get("lineage-pipeline", {})
    whole_s, whole_mb = pipeline.get("seconds"), pipeline.get("peak_mb")
    if not pipeline.get("success"):
        whole_s = whole_mb = None
    rows, notes = [], []
    for name, result in baselines.items():
        if "seconds" not in result or "scores" not in result:
            error = (result.get("error") or "").strip().splitlines() or [""]
            notes.append(f"{name}: {result.get('skipped') or error[-1]}")
            rows.append([name] + [None] * 9)
            continue
        s = result["scores"]
        rows.append(
            [
                name,
                result["seconds"],
                result["peak_mb"],
                f"{s['precision']:.4f}",
                f"{s['recall']:.4f}",
                f"{s['f1']:.4f}",
                _ratio(result["seconds"], mine.get("seconds")),
                _ratio(result["peak_mb"], mine.get("peak_mb")),
                _ratio(result["seconds"], whole_s),
                _ratio(result["peak_mb"], whole_mb),
            ]
        )
    headers = ["linker", "link s", "peak MB", "precision", "recall", "F1"]
    headers += ["s / our link", "MB / our link", "s / our run", "MB / our run"]
    text = "linking alone, same inputs, fresh process each:\n" + table(headers, rows)
    return "\n".join([text, *(f"  not measured: {note}" for note in notes)])
