"""Helpers for the privacy tests: build the tiny deployment's warehouse once, copy it per test."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from assets.runner import run_pipeline
from lineage_pipeline.contracts import ContractSet, load_contracts
from lineage_pipeline.settings import Settings
from tests.conftest import NOW, write_project


def materialise(settings: Settings) -> None:
    assert run_pipeline(settings).success


def build_template(root: Path) -> Settings:
    """The tiny deployment, run once: the warehouse every test copies."""
    contracts = write_project(root / "project")
    settings = Settings(
        contracts_dir=contracts, warehouse_path=root / "wh" / "warehouse.duckdb", pinned_now=NOW
    )
    materialise(settings)
    return settings


def copy_of(template: Settings, tmp_path: Path) -> Settings:
    """The template's warehouse copied into `tmp_path` (same contracts and deliveries)."""
    target = tmp_path / "wh" / "warehouse.duckdb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template.warehouse_path, target)
    return replace(template, warehouse_path=target)


def contracts_of(settings: Settings) -> ContractSet:
    return load_contracts(settings.contracts_dir)


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params or []).df()


def scalar(settings: Settings, sql: str, params: list[Any] | None = None) -> Any:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchone()[0]


def base_tables(settings: Settings) -> list[str]:
    return list(
        query(
            settings,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY 1",
        )["table_name"]
    )


def rows_mentioning(
    settings: Settings, equal: set[str], contain: set[str]
) -> dict[str, pd.DataFrame]:
    """Per base table, the rows where a text cell equals one of `equal` (ids) or contains one of
    `contain` (emails, phones, names: e.g. inside a quarantined raw line)."""

    def mentions(value: str) -> bool:
        return value in equal or any(n in value for n in contain)

    found = {}
    for table in base_tables(settings):
        frame = query(settings, f'SELECT * FROM "{table}"')
        hit = frame.astype(str).apply(lambda col: col.map(mentions)).any(axis=1)
        if hit.any():
            found[table] = frame[hit]
    return found


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def assert_only_allowed(
    settings: Settings, purpose: str, frame: pd.DataFrame, allowed: set[str]
) -> None:
    """Columns are fields the purpose may use; every value shown is one held in force whose own
    purposes cover the purpose (checked against customer_fields, not the view's SQL)."""
    assert set(frame.columns) - {"customer_id"} <= allowed, set(frame.columns) - allowed
    chain = [".".join(purpose.split(".")[:i]) for i in range(1, purpose.count(".") + 2)]
    shown = frame.melt(id_vars="customer_id", var_name="field", value_name="value").dropna()
    held = query(
        settings,
        "SELECT customer_id, field, value, list_has_any(purposes, ?) AS covers "
        "FROM customer_fields WHERE is_current AND valid_to IS NULL",
        [chain],
    )
    joined = shown.merge(held, on=["customer_id", "field"], how="left", suffixes=("", "_held"))
    assert (joined["value"] == joined["value_held"]).all()
    assert joined["covers"].fillna(False).astype(bool).all()
