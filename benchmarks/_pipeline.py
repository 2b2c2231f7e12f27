"""The whole pipeline, measured: run every asset headless (assets.runner.run_pipeline) and time
each Dagster step, with each step's own peak memory, then score the warehouse against the truth.

Input: contracts, a warehouse path, the truth. Output: a JSON-able dict of steps and totals.
Steps run one after another in one process (the in-process executor), so a step's time is the
wall time from the previous step's end to its own (Dagster's bookkeeping between steps included;
the first step also carries the run's setup). A step that shares its work with forked workers
(`lineage_pipeline.forked`) counts their CPU time in its own, and their memory on top of its
peak.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import resource
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks._child import Emit
from benchmarks._memory import PeakMemory, rss_mb

# Step key -> stage. Per-source steps are named sources__<source>__<asset>.
NAMED_STEPS = {
    "published_state": "state",
    "customer_fields": "merge",
    "customers": "merge",
    "match_evidence": "evidence",
    "warehouse": "publish",
    "retention": "retention",
}
STEP_SUFFIXES = (
    ("__quality", "checks"),
    ("__records", "ingest"),
    ("__identities", "standardise"),
    ("__links", "link"),
)
STAGE_ORDER = (
    "state", "ingest", "standardise", "link", "merge", "evidence", "checks", "publish", "retention",
)  # fmt: skip
HOT_SPOTS = 12
# Where a profiled function's file is shown from: the project's own path, a package's import path.
MARKERS = (
    ("/lineage_pipeline/", "lineage_pipeline/"),
    ("/assets/", "assets/"),
    ("/site-packages/", ""),
    ("/lib/python3.11/", "stdlib:"),
)


def stage_of(step_key: str) -> str:
    if step_key in NAMED_STEPS:
        return NAMED_STEPS[step_key]
    for suffix, stage in STEP_SUFFIXES:
        if step_key.endswith(suffix):
            return stage
    return "other"


def _where(function: tuple[str, int, str]) -> str:
    filename, line, name = function
    for marker, prefix in MARKERS:
        if marker in filename:
            filename = prefix + filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({name})" if line else name


def hot_spots(profile: cProfile.Profile, limit: int = HOT_SPOTS) -> dict[str, list[dict]]:
    """The functions with the most own time, and the project's own with the most time inside."""
    stats = pstats.Stats(profile).stats  # (file, line, name) -> (cc, calls, own, cumulative, ..)
    rows = [
        {
            "function": _where(f),
            "calls": s[1],
            "own_s": round(s[2], 3),
            "cumulative_s": round(s[3], 3),
        }
        for f, s in stats.items()
    ]
    own = sorted(rows, key=lambda r: -r["own_s"])[:limit]
    ours = [r for r in rows if r["function"].startswith("lineage_pipeline/")]
    return {
        "own_time": own,
        "project_cumulative": sorted(ours, key=lambda r: -r["cumulative_s"])[:limit],
    }


def linkage_summary(warehouse: Path) -> dict[str, Any]:
    """Candidate pairs per blocking pass and links per source, from the run's own summary."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("SELECT summary FROM runs ORDER BY finished_at DESC LIMIT 1").fetchone()
    linkage = json.loads(row[0]).get("linkage", {}) if row else {}
    kept = ("candidate_pairs", "candidates_per_pass", "links", "linked_records")
    return {
        source: {k: v for k, v in figures.items() if k in kept}
        for source, figures in linkage.items()
    }


def cpu_seconds() -> float:
    """This process's CPU time and that of its finished workers (forked ones included)."""
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + workers.ru_utime + workers.ru_stime


def pipeline_job(
    emit: Emit,
    contracts_dir: str,
    warehouse: str,
    now: str,
    truth: str,
    profile_dir: str | None,
    lookups: bool,
) -> dict[str, Any]:
    memory = PeakMemory()
    started = time.perf_counter()
    from assets.runner import run_pipeline  # Dagster, pandas, GX: counted apart, as imports
    from lineage_pipeline.forked import take_worker_peak_mb
    from lineage_pipeline.settings import Settings

    imports = {"seconds": round(time.perf_counter() - started, 2), "peak_mb": memory.take()}
    settings = Settings(
        contracts_dir=Path(contracts_dir),
        warehouse_path=Path(warehouse),
        pinned_now=datetime.fromisoformat(now),
    )
    steps: list[dict[str, Any]] = []
    profile = cProfile.Profile() if profile_dir else None
    clock = {"last": time.perf_counter(), "cpu": cpu_seconds()}
    run_started, cpu_started = clock["last"], clock["cpu"]

    def on_step(step_key: str, succeeded: bool) -> None:
        ended, cpu = time.perf_counter(), cpu_seconds()
        if profile is not None:
            profile.disable()
        step = {
            "step": step_key,
            "stage": stage_of(step_key),
            "ok": succeeded,
            "seconds": round(ended - clock["last"], 3),
            "cpu_s": round(cpu - clock["cpu"], 3),
            "peak_mb": round(memory.take() + take_worker_peak_mb(), 1),
            "rss_mb": round(rss_mb(), 1),
        }
        if profile is not None and profile_dir is not None:
            profile.dump_stats(str(Path(profile_dir) / f"{step_key}.pstats"))
            step["hot_spots"] = hot_spots(profile)
            profile.clear()
        steps.append(step)
        emit("step", step)
        # The profile's own bookkeeping is not the step's.
        clock["last"], clock["cpu"] = time.perf_counter(), cpu_seconds()
        if profile is not None:
            profile.enable()

    if profile is not None:
        profile.enable()
    outcome = run_pipeline(settings, on_step)
    if profile is not None:
        profile.disable()
    total = time.perf_counter() - run_started
    cpu_total = cpu_seconds() - cpu_started
    teardown_peak = memory.take()
    result: dict[str, Any] = {
        "success": outcome.success,
        "failures": outcome.failures,
        "failed_checks": outcome.failed_checks,
        "imports": imports,
        "steps": steps,
        "seconds": round(total, 2),
        "cpu_s": round(cpu_total, 2),
        "peak_mb": round(max([teardown_peak, *(s["peak_mb"] for s in steps)]), 1),
        "peak_resettable": memory.resettable,
        "profiled": profile is not None,
    }
    if outcome.success:
        from lineage_pipeline.evaluate import evaluate

        scoring = time.perf_counter()
        result["scores"] = evaluate(Path(warehouse), Path(truth)).as_dict()
        result["scoring_seconds"] = round(time.perf_counter() - scoring, 2)
        result["warehouse_mb"] = round(Path(warehouse).stat().st_size / 2**20, 1)
        result["linkage"] = linkage_summary(Path(warehouse))
        if lookups:
            from benchmarks._lookups import measure

            result["lookups"] = measure(Path(warehouse), Path(contracts_dir))
    return result
