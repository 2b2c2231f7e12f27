"""Expectation suites: GX 1.x suite JSON in `expectations/` in, bound suites (and their GX form)
out; `validation` runs them.

Each expectation names its check (`meta.check`, a predicate) and severity (`critical` blocks
publishing, `warning` does not). `{"$PARAMETER": name}` values, column names included, are bound
from the contracts before GX sees the suite, so the checks are known when the Dagster
definitions load. GX is imported only when a suite is converted to GX or validated: the import
takes seconds. Invariant: check names are unique within a bound suite, so every expectation's
result can be found by its check name (GX returns results in its own order).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from lineage_pipeline.errors import LineageError
from lineage_pipeline.quality.results import SEVERITIES, CheckSpec

SUITES_ENV = "LINEAGE_EXPECTATIONS"
PARAMETER = "$PARAMETER"


def suites_dir() -> Path:
    """`LINEAGE_EXPECTATIONS`, else the project's `expectations/` folder."""
    configured = os.environ.get(SUITES_ENV)
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "expectations"


@dataclass(frozen=True)
class Expectation:
    """One GX expectation with the check it surfaces as."""

    check: str
    type: str
    kwargs: Mapping[str, Any]
    severity: str
    description: str
    meta: Mapping[str, Any]


@dataclass(frozen=True)
class Suite:
    """A named list of expectations, bound (parameters filled) or not."""

    name: str
    expectations: tuple[Expectation, ...]

    def specs(self) -> list[CheckSpec]:
        return [
            CheckSpec(
                name=e.check,
                suite=self.name,
                severity=e.severity,
                description=e.description,
                column=e.kwargs.get("column"),
            )
            for e in self.expectations
        ]


def _expectation(path: Path, entry: Mapping[str, Any]) -> Expectation:
    meta = dict(entry.get("meta") or {})
    if "check" not in meta or entry.get("severity") not in SEVERITIES:
        raise LineageError(
            f"{path}: expectation {entry.get('type')!r} needs meta.check and a severity "
            f"({' or '.join(SEVERITIES)})"
        )
    return Expectation(
        check=meta.pop("check"),
        type=entry["type"],
        kwargs=dict(entry["kwargs"]),
        severity=entry["severity"],
        description=entry.get("description", ""),
        meta=meta,
    )


@cache
def load_suite(name: str, directory: Path | None = None) -> Suite:
    """Read `<name>.json` (unbound: parameters still in place)."""
    path = (directory or suites_dir()) / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LineageError(f"{path}: cannot read the expectation suite: {exc}") from exc
    return Suite(data["name"], tuple(_expectation(path, e) for e in data["expectations"]))


def _fill(value: Any, parameters: Mapping[str, Any]) -> Any:
    """Replace every `{"$PARAMETER": name}` (at any depth) with `parameters[name]`."""
    if isinstance(value, dict) and set(value) == {PARAMETER}:
        return parameters[value[PARAMETER]]
    if isinstance(value, dict):
        return {k: _fill(v, parameters) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, parameters) for v in value]
    return value


def bind(suite: Suite, parameters: Mapping[str, Any]) -> Suite:
    """The suite with its parameters filled from the contracts; check names must be unique."""
    bound = tuple(replace(e, kwargs=_fill(dict(e.kwargs), parameters)) for e in suite.expectations)
    names = [e.check for e in bound]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise LineageError(f"suite {suite.name}: check names repeat: {duplicated}")
    return Suite(suite.name, bound)


def to_gx_suite(suite: Suite) -> Any:
    """The bound suite as a GX ExpectationSuite (each expectation keeps its check in meta)."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    return ExpectationSuite(
        name=suite.name,
        expectations=[
            {
                "type": e.type,
                "kwargs": dict(e.kwargs),
                "meta": {"check": e.check},
                "description": e.description or None,
                "severity": e.severity,
            }
            for e in suite.expectations
        ],
    )
