"""The benchmark's report: stage totals from the steps, the machine it ran on, the issue's
targets, and plain-text tables.

Input: the measured dicts. Output: printable tables and a JSON-able record of the run.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks._pipeline import STAGE_ORDER

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("dagster", "duckdb", "pandas", "recordlinkage", "rapidfuzz", "splink")
# Issue 7's targets for 1M customers on the 2-core machine.
TARGET_SECONDS = 60.0
TARGET_PEAK_MB = 4096.0
TARGET_PRECISION = 0.995
TARGET_RECALL = 0.97
TARGET_CUSTOMERS = 1_000_000


def stages(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps summed per stage (time) and maxed (peak memory), in pipeline order."""
    totals: dict[str, dict[str, Any]] = {}
    for step in steps:
        entry = totals.setdefault(step["stage"], {"stage": step["stage"], "steps": 0})
        entry["steps"] += 1
        entry["seconds"] = round(entry.get("seconds", 0.0) + step["seconds"], 3)
        entry["cpu_s"] = round(entry.get("cpu_s", 0.0) + step.get("cpu_s", 0.0), 3)
        entry["peak_mb"] = max(entry.get("peak_mb", 0.0), step["peak_mb"])
    order = {name: i for i, name in enumerate(STAGE_ORDER)}
    return sorted(totals.values(), key=lambda e: order.get(e["stage"], len(order)))


def load() -> float | None:
    """The 1-minute load average: above the CPU count, other work shared the machine."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def machine() -> dict[str, Any]:
    memory_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1) if memory_kb else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
    }


def git_state() -> dict[str, Any]:
    """The commit, and a digest of the code measured: the tree is often dirty mid-work."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    digest = hashlib.sha256()
    for folder in ("lineage_pipeline", "assets", "expectations"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix in {".py", ".sql", ".json", ".txt"}:
                digest.update(path.relative_to(REPO).as_posix().encode())
                digest.update(path.read_bytes())
    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain")),
        "code_digest": digest.hexdigest()[:16],
    }


def targets(customers: int, pipeline: dict[str, Any]) -> dict[str, bool] | None:
    """Issue 7's targets, judged only at the size they are set for."""
    if customers < TARGET_CUSTOMERS or "scores" not in pipeline:
        return None
    scores = pipeline["scores"]
    return {
        f"wall <= {TARGET_SECONDS:.0f} s": pipeline["seconds"] <= TARGET_SECONDS,
        f"peak <= {TARGET_PEAK_MB:.0f} MB": pipeline["peak_mb"] <= TARGET_PEAK_MB,
        f"precision >= {TARGET_PRECISION}": scores["precision"] >= TARGET_PRECISION,
        f"recall >= {TARGET_RECALL}": scores["recall"] >= TARGET_RECALL,
    }


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain fixed-width table: text left-aligned, numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    columns = range(len(headers))
    widths = [max([len(headers[i]), *(len(r[i]) for r in cells)]) for i in columns]
    numeric = [
        any(r[i] is not None for r in rows)
        and all(r[i] is None or isinstance(r[i], int | float) for r in rows)
        for i in columns
    ]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if numeric[i] else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in cells)])


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def stage_table(pipeline: dict[str, Any]) -> str:
    total = pipeline["seconds"] or 1.0
    rows = [
        [s["stage"], s["steps"], s["seconds"], s.get("cpu_s"), 100 * s["seconds"] / total]
        + [s["peak_mb"]]
        for s in pipeline["stages"]
    ]
    rows.append(
        ["whole run", len(pipeline["steps"]), pipeline["seconds"], pipeline.get("cpu_s"), 100.0]
        + [pipeline["peak_mb"]]
    )
    return table(["stage", "steps", "wall s", "CPU s", "% of wall", "peak MB"], rows)


def step_table(pipeline: dict[str, Any]) -> str:
    rows = [
        [s["step"], s["stage"], s["seconds"], s.get("cpu_s"), s["peak_mb"], s["rss_mb"]]
        for s in pipeline["steps"]
    ]
    return table(["step", "stage", "wall s", "CPU s", "peak MB", "RSS after MB"], rows)


def _merged(steps: list[dict[str, Any]], view: str, figure: str) -> list[tuple[str, dict]]:
    merged: dict[str, dict[str, Any]] = {}
    for step in steps:
        for spot in step.get("hot_spots", {}).get(view, []):
            entry = merged.setdefault(spot["function"], {"seconds": 0.0, "calls": 0})
            entry["seconds"] += spot[figure]
            entry["calls"] += spot["calls"]
    return sorted(merged.items(), key=lambda kv: -kv[1]["seconds"])


def hot_spot_table(pipeline: dict[str, Any], own: int = 8, ours: int = 6) -> str:
    """Per stage: the functions with the most own time, and the project's functions with the
    most time inside them (cumulative), over that stage's steps."""
    blocks = []
    for stage in pipeline["stages"]:
        steps = [s for s in pipeline["steps"] if s["stage"] == stage["stage"]]
        rows = [
            [name, e["calls"], round(e["seconds"], 2), "own"]
            for name, e in _merged(steps, "own_time", "own_s")[:own]
        ]
        rows += [
            [name, e["calls"], round(e["seconds"], 2), "inside"]
            for name, e in _merged(steps, "project_cumulative", "cumulative_s")[:ours]
        ]
        if rows:
            title = f"{stage['stage']} ({stage['seconds']:.1f} s profiled):"
            blocks.append(title + "\n" + table(["function", "calls", "seconds", "time"], rows))
    return "\n\n".join(blocks)


def linkage_table(linkage: dict[str, Any]) -> str:
    """Candidate pairs per source and blocking pass (-1: the pass was skipped as unselective)."""
    rows = []
    for source, figures in linkage.items():
        for name, pairs in figures.get("candidates_per_pass", {}).items():
            rows.append([source, name, pairs])
        rows.append([source, "(distinct pairs)", figures.get("candidate_pairs")])
        rows.append([source, "(links)", figures.get("links")])
    return table(["source", "blocking pass", "pairs"], rows)
