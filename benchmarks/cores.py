"""How much a second busy process slows the first: whether this machine's cores are whole cores
for the pipeline's kind of work, before a design counts on running Python work side by side.

Times a piece of work alone, then while a forked process spins on another core, alternating, and
prints the medians and their ratio (1.0: the cores do not get in each other's way). Two kinds of
work: a pure Python loop, and hashing a million distinct strings with pandas (what the checks,
the merge and the linking spend most of their time on).

    python -m benchmarks.cores [--repeats N] [--size N]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd


def python_loop(size: int) -> Callable[[], None]:
    def work() -> None:
        total = 0
        for i in range(size * 20):
            total += i

    return work


def string_hashing(size: int) -> Callable[[], None]:
    values = np.array([f"value-{i:09d}" for i in range(size)], dtype=object)
    order = np.random.default_rng(0).permutation(size)
    shuffled = values[order]  # scattered objects, as in a frame built row by row

    def work() -> None:
        pd.factorize(shuffled)

    return work


def _seconds(work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _spinner() -> int:
    """A forked process that keeps one core busy until killed."""
    pid = os.fork()
    if pid == 0:
        count = 0
        while True:
            count += 1
    return pid


def measure(work: Callable[[], None], repeats: int) -> dict[str, float]:
    """Medians of `work` alone and beside a busy process, alternating, and their ratio."""
    work()  # warm up
    alone, beside = [], []
    for _ in range(repeats):
        alone.append(_seconds(work))
        pid = _spinner()
        try:
            time.sleep(0.05)  # let it reach its core
            beside.append(_seconds(work))
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    median_alone, median_beside = statistics.median(alone), statistics.median(beside)
    return {
        "alone_s": round(median_alone, 3),
        "beside_s": round(median_beside, 3),
        "slowdown": round(median_beside / median_alone, 2) if median_alone else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--size", type=int, default=1_000_000, help="loop steps / 20, strings")
    args = parser.parse_args(argv)
    if not hasattr(os, "fork"):
        print("needs fork (not on Windows)")
        return 2
    print(f"{os.cpu_count()} CPUs; medians of {args.repeats}, alone and beside a busy process")
    for name, make in (("python loop", python_loop), ("string hashing", string_hashing)):
        figures = measure(make(args.size), args.repeats)
        print(
            f"{name:15s} alone {figures['alone_s']:7.3f} s   beside {figures['beside_s']:7.3f} s"
            f"   slowdown x{figures['slowdown']:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
