"""Scale benchmark (issue 7): the whole pipeline on N generated customers, timed per stage, with
peak memory, scored against the generated truth; optionally beside Splink and plain recordlinkage.

    python -m benchmarks.scale --customers 10000 [--baselines] [--profile] [--timeout 600]

Input: a size and a seed. Output: tables on stdout and benchmarks/out/scale-<N>.json.
Invariant: every measured contender runs in a fresh process on the same generated data.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import _report as report
from benchmarks._child import run_child
from benchmarks._pipeline import pipeline_job
from benchmarks._workload import ISSUE_COVERAGE, Workload, prepare, shape_suffix

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
# A few weeks after the generator's extract date (2026-11-01), as the tests pin it.
NOW = datetime(2026, 11, 25, 12, 0, 0)


def customers_count(text: str) -> int:
    return SIZES.get(text.lower()) or int(text.replace("_", ""))


def _progress(kind: str, payload: Any) -> None:
    if kind == "step":
        mark = "ok" if payload["ok"] else "FAILED"
        print(
            f"  {payload['step']:<48} {payload['seconds']:>8.2f} s {payload['peak_mb']:>8.0f} MB"
            f"  {mark}",
            flush=True,
        )
    elif kind == "note":
        print(f"  {payload}", flush=True)


def run_ours(workload: Workload, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The whole pipeline in its own process; a timeout keeps the steps that finished."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    profile_dir = work / "profile" if args.profile else None
    if profile_dir is not None:
        profile_dir.mkdir()
    job_args = (
        str(workload.contracts_dir.resolve()),
        str((work / "warehouse.duckdb").resolve()),
        NOW.isoformat(),
        str(workload.truth_path.resolve()),
        str(profile_dir) if profile_dir else None,
        not args.no_lookups,
    )
    print(
        f"pipeline: {workload.customers:,} customers, {workload.vendor_rows:,} vendor rows"
        f" (Dagster's log: {work / 'pipeline.log'})"
    )
    outcome = run_child(
        pipeline_job, job_args, args.timeout, on_event=_progress, log=work / "pipeline.log"
    )
    if outcome.result is not None:
        pipeline = outcome.result
    else:
        steps = [payload for kind, payload in outcome.events if kind == "step"]
        pipeline = {
            "success": False,
            "steps": steps,
            "seconds": round(outcome.seconds, 1),
            "peak_mb": max((s["peak_mb"] for s in steps), default=0.0),
            "timed_out": outcome.timed_out,
            "error": outcome.error or f"stopped after {args.timeout} s",
        }
    pipeline["stages"] = report.stages(pipeline["steps"])
    if not args.keep_warehouse:
        (work / "warehouse.duckdb").unlink(missing_ok=True)
    return pipeline


def _growth(
    out: Path, customers: int, shape: str, pipeline: dict[str, Any]
) -> dict[str, Any] | None:
    """Time and memory against the run ten times smaller (same coverage), when its JSON is in
    `out`."""
    smaller = out / f"scale-{customers // 10}{shape}.json"
    if customers % 10 or not smaller.exists() or not pipeline.get("success"):
        return None
    before = json.loads(smaller.read_text())["pipeline"]
    if not before.get("success"):
        return None
    return {
        "from_customers": customers // 10,
        "time_factor": round(pipeline["seconds"] / before["seconds"], 2),
        "peak_factor": round(pipeline["peak_mb"] / before["peak_mb"], 2),
        "linear_or_better": pipeline["seconds"] <= 10 * before["seconds"],
    }


def print_report(record: dict[str, Any]) -> None:
    pipeline = record["pipeline"]
    busiest = max((v for v in record["load_average"].values() if v is not None), default=0.0)
    if busiest > (record["machine"]["cpus"] or 1):
        print(
            f"\nnote: load average {busiest} on {record['machine']['cpus']} CPUs: other work"
            " shared the machine, so wall times are high; CPU seconds are steadier"
        )
    print()
    print(report.stage_table(pipeline))
    print()
    print(report.step_table(pipeline))
    if pipeline.get("profiled"):
        print("\nhot spots (cProfile own time; timings above include the profiler's overhead)")
        print(report.hot_spot_table(pipeline))
    if "scores" in pipeline:
        s = pipeline["scores"]
        print(
            f"\nscores: precision {s['precision']:.4f}  recall {s['recall']:.4f}  f1 {s['f1']:.4f}"
            f"  (labelled {s['labelled']:,}, wrong fills {s['wrong_fills']:,},"
            f" missed {s['missed']:,})"
        )
    if linkage := pipeline.get("linkage"):
        print("\n" + report.linkage_table(linkage))
    if not pipeline.get("success"):
        print(f"\npipeline did not finish: {pipeline.get('error') or pipeline.get('failures')}")
    if lookups := pipeline.get("lookups"):
        print(f"\npoint lookups (customer {lookups.get('customer_id')}): {json.dumps(lookups)}")
    if growth := record.get("growth"):
        print(f"\ngrowth from {growth['from_customers']:,}: {json.dumps(growth)}")
    if targets := record.get("targets"):
        print(
            "\ntargets: "
            + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in targets.items())
        )
    if baselines := record.get("baselines"):
        from benchmarks._baselines import baseline_table

        print("\n" + baseline_table(baselines, pipeline))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--customers", type=customers_count, default=10_000, help="10k, 100k, 1m or N"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--coverage",
        type=float,
        default=ISSUE_COVERAGE,
        help=f"vendor coverage relative to the samples: {ISSUE_COVERAGE} (default) is issue 7's "
        "workload (1M customers, ~700k vendor rows); 1 is the samples' shape (~1.9 a customer)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="data, warehouse and JSON")
    parser.add_argument("--baselines", action="store_true", help="also Splink and recordlinkage")
    parser.add_argument("--profile", action="store_true", help="cProfile every step (slower)")
    parser.add_argument("--timeout", type=float, default=None, help="stop a contender after S s")
    parser.add_argument("--no-lookups", action="store_true", help="skip trace/export timings")
    parser.add_argument("--keep-warehouse", action="store_true")
    args = parser.parse_args(argv)

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    workload = prepare(out, args.customers, args.seed, args.coverage)
    shape = shape_suffix(args.coverage)
    generated = workload.generate_seconds
    print(f"data: {workload.data_dir} ({'reused' if generated is None else f'{generated:.1f} s'})")
    load_before = report.load()
    pipeline = run_ours(workload, out / f"work-{args.customers}", args)
    load_after = report.load()
    record: dict[str, Any] = {
        "benchmark": "scale",
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "customers": workload.customers,
        "seed": workload.seed,
        "coverage": workload.coverage,
        "vendor_rows": workload.vendor_rows,
        "rows": workload.rows,
        "generate_seconds": generated,
        "machine": report.machine(),
        "load_average": {"before": load_before, "after": load_after},
        "git": report.git_state(),
        "pipeline": pipeline,
        "growth": None if args.profile else _growth(out, args.customers, shape, pipeline),
        "targets": report.targets(args.customers, pipeline),
    }
    if args.baselines:
        from benchmarks._baselines import run_baselines

        logs = out / f"work-{args.customers}"
        record["baselines"] = run_baselines(workload, NOW, args.timeout, logs)
    print_report(record)
    path = out / f"scale-{args.customers}{shape}{'-profile' if args.profile else ''}.json"
    path.write_text(json.dumps(record, indent=2, default=str))
    print(f"\nwritten: {path} (benchmark took {time.perf_counter() - started:.0f} s)")
    return 0 if pipeline.get("success") else 1


if __name__ == "__main__":
    sys.exit(main())
