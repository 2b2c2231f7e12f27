"""Seeded generator of the bundled sample deliveries and their labelled truth (data/samples/).

Input: a customer count and a seed. Output: `build` gives every table in memory, `generate` writes
them. Invariant: the same count and seed give byte-identical files (one seeded stream, no clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .acme import acme_files, draw_acme
from .companies import draw_companies, draw_register
from .draws import Taken
from .files import (
    ACME_FILES,
    ANSWER_KEY,
    CUSTOMERS_FILE,
    PANEL_FILE,
    REGISTER_FILE,
    TRUTH_FILE,
    customer_file,
    write_csv,
    write_parquet,
)
from .panel import draw_panel, panel_file
from .people import draw_customers
from .truth import TRUTH_FIELDS, composition, render_readme, truth_table
from .words import AS_OF

__all__ = [
    "ACME_FILES",
    "ANSWER_KEY",
    "AS_OF",
    "CUSTOMERS_FILE",
    "PANEL_FILE",
    "REGISTER_FILE",
    "TRUTH_FIELDS",
    "TRUTH_FILE",
    "Samples",
    "build",
    "generate",
]


@dataclass(frozen=True)
class Samples:
    """Every sample table in memory. Vendor tables still carry the answer key (ANSWER_KEY)."""

    tables: dict[str, pd.DataFrame]
    facts: dict[str, Any]


def build(customers: int, seed: int = 7, coverage: float = 1.0) -> Samples:
    """Generate all tables from one seeded stream; the call order below fixes the output.
    `coverage` scales the share of customers each person vendor holds (1.0: the samples, about
    1.9 vendor rows a customer; benchmarks use less to match a given workload)."""
    rng = np.random.default_rng(seed)
    taken = Taken()
    comp = draw_companies(rng, customers)
    cust = draw_customers(rng, customers, comp, taken)
    acme_records, acme_truth = draw_acme(rng, cust, comp, taken, coverage)
    panel_rows, panel_truth = draw_panel(rng, cust, taken, coverage)
    register = draw_register(rng, comp, cust)
    acme = acme_files(rng, acme_records)
    panel = panel_file(rng, panel_rows)
    tables = {
        CUSTOMERS_FILE: customer_file(cust),
        ACME_FILES[0]: acme[0],
        ACME_FILES[1]: acme[1],
        PANEL_FILE: panel,
        REGISTER_FILE: register,
        TRUTH_FILE: truth_table(cust, comp, acme_truth, panel_truth),
    }
    facts = {
        "acme": [composition(a) for a in acme],
        "promoted": int(acme_truth["promoted"].sum()),
        "panel": composition(panel),
        "register_decoys": int((register["kind"] == "decoy").sum()),
        "employers": int(comp["pool"].sum()),
    }
    return Samples(tables, facts)


def generate(out_dir: Path, customers: int, seed: int = 7, coverage: float = 1.0) -> dict[str, int]:
    """Write every sample file under `out_dir`; return the row count of each (relative path)."""
    samples = build(customers, seed, coverage)
    for name, table in samples.tables.items():
        public = table.drop(columns=list(ANSWER_KEY), errors="ignore")
        write = write_parquet if name.endswith(".parquet") else write_csv
        write(public, out_dir / name)
    counts = {name: len(table) for name, table in samples.tables.items()}
    readme = render_readme(counts, samples.facts, customers, seed)
    (out_dir / "README.md").write_text(readme, encoding="utf-8")
    return counts
