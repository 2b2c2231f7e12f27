"""Generate the bundled sample deliveries and their labelled truth under data/samples/.

Input: a customer count and a seed. Output: first-party customers, two acme_b2b deliveries, a
lifestyle_panel parquet, the company register, truth.csv and a README (columns as contracts/ say).
Invariant: the same count and seed give byte-identical files (one seeded generator, no clock).
The generator lives in scripts/samples/; this file is its command line and re-exports its API.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a file or loaded by path: only scripts/ is on the path
    sys.path.insert(0, str(REPO))

from scripts.samples import (  # noqa: E402 (needs the repository root on sys.path first)
    ACME_FILES,
    ANSWER_KEY,
    AS_OF,
    CUSTOMERS_FILE,
    PANEL_FILE,
    REGISTER_FILE,
    TRUTH_FIELDS,
    TRUTH_FILE,
    Samples,
    build,
    generate,
)

__all__ = [
    "ACME_FILES",
    "ANSWER_KEY",
    "AS_OF",
    "CUSTOMERS_FILE",
    "DEFAULT_OUT",
    "PANEL_FILE",
    "REGISTER_FILE",
    "TRUTH_FIELDS",
    "TRUTH_FILE",
    "Samples",
    "build",
    "generate",
    "main",
]

DEFAULT_OUT = REPO / "data" / "samples"


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, write the samples and print each file's row count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--coverage",
        type=float,
        default=1.0,
        help="share of customers the person vendors hold, relative to the samples (1.0)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.out, args.customers, args.seed, args.coverage)
    for name, rows in sorted(counts.items()):
        print(f"{rows:>9}  {args.out / name}")
    print(f"generated in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
