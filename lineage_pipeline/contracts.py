"""Source contracts and the purpose taxonomy: YAML files in, validated typed models out.

Invariant: a loaded ContractSet has exactly one first-party source, unique names, and only
known purposes, legal bases and identity fields; every error names the file and the key.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lineage_pipeline.errors import ContractError
from lineage_pipeline.vocabulary import IDENTITY_FIELDS, LEGAL_BASES

PURPOSES_FILE = "purposes.yaml"
SNAKE_CASE = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Model):
    """One field a source contributes, and what it may be used for."""

    column: str
    purposes: tuple[str, ...] = Field(min_length=1)
    retention_days: int = Field(gt=0)
    # A regular expression every non-empty value must match in full; other rows are quarantined.
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


class DeliverySpec(_Model):
    """Where a source's files are and how to read them; each file is one delivery."""

    path: str
    format: Literal["csv", "parquet"] = "csv"
    record_id: str
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = "utf-8"


class MatchSpec(_Model):
    """How records of this source are linked to customers."""

    threshold: float = Field(default=0.9, gt=0.0, le=1.0)
    entity: Literal["person", "organisation"] = "person"


class StandardiseSpec(_Model):
    """Hints for standardisation, e.g. the region phone numbers are local to."""

    default_region: str | None = Field(default=None, min_length=2, max_length=2)
    # A date of birth that cannot be read or is absurd: quarantine its row (the default), or
    # treat that one value as missing and link the row on its other fields.
    bad_dates: Literal["quarantine", "missing"] = "quarantine"


class Contract(_Model):
    """A source contract (DESIGN.md): who supplied the data, on what basis, for what."""

    name: str = Field(pattern=SNAKE_CASE)
    kind: Literal["first_party", "purchased", "public"]
    supplier: str
    legal_basis: str
    licence: str
    priority: int | None = None
    delivery: DeliverySpec
    identity: dict[str, str] = Field(default_factory=dict)
    match: MatchSpec = MatchSpec()
    standardise: StandardiseSpec = StandardiseSpec()
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    file: Path = Field(default=Path("."), exclude=True)

    @field_validator("legal_basis")
    @classmethod
    def _known_legal_basis(cls, value: str) -> str:
        if value not in LEGAL_BASES:
            raise ValueError(f"unknown legal basis {value!r} (known: {', '.join(LEGAL_BASES)})")
        return value

    @field_validator("identity")
    @classmethod
    def _known_identity_fields(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if name not in IDENTITY_FIELDS:
                known = ", ".join(IDENTITY_FIELDS)
                raise ValueError(f"unknown identity field {name!r} (known: {known})")
        return value

    @field_validator("fields")
    @classmethod
    def _snake_case_fields(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        for name in value:
            if not name.isidentifier() or name != name.lower():
                raise ValueError(f"field name {name!r} must be snake_case")
        return value

    @property
    def is_first_party(self) -> bool:
        return self.kind == "first_party"

    @property
    def delivery_glob(self) -> str:
        """The delivery glob, resolved against the contract file's folder."""
        pattern = Path(self.delivery.path).expanduser()
        if not pattern.is_absolute():
            pattern = self.file.parent / pattern
        return str(pattern)

    def delivery_files(self) -> list[Path]:
        """Delivery files matching the glob, oldest name first (names usually carry dates)."""
        return sorted(Path(p).resolve() for p in glob.glob(self.delivery_glob) if Path(p).is_file())

    def mapped_columns(self) -> dict[str, str]:
        """Every delivery column this contract names, with the key that names it."""
        columns = {self.delivery.record_id: "delivery.record_id"}
        columns.update({col: f"identity.{key}" for key, col in self.identity.items()})
        columns.update({spec.column: f"fields.{key}.column" for key, spec in self.fields.items()})
        return columns


class Taxonomy(_Model):
    """The hierarchical purpose taxonomy: `marketing` covers `marketing.email`."""

    purposes: dict[str, str]
    file: Path = Field(default=Path("."), exclude=True)

    def covers(self, allowed: Iterable[str], purpose: str) -> bool:
        """True when a field allowed for `allowed` may be used for `purpose`."""
        return any(purpose == a or purpose.startswith(a + ".") for a in allowed)

    def check_known(self, purpose: str) -> None:
        if purpose not in self.purposes:
            known = ", ".join(sorted(self.purposes))
            raise ContractError(f"{self.file}: unknown purpose {purpose!r} (known: {known})")


class ContractSet(_Model):
    """All contracts of a deployment plus the taxonomy, cross-checked."""

    taxonomy: Taxonomy
    contracts: tuple[Contract, ...]
    directory: Path

    @property
    def first_party(self) -> Contract:
        return next(c for c in self.contracts if c.is_first_party)

    @property
    def third_party(self) -> tuple[Contract, ...]:
        return tuple(c for c in self.contracts if not c.is_first_party)

    def get(self, name: str) -> Contract:
        for contract in self.contracts:
            if contract.name == name:
                return contract
        raise ContractError(f"no source named {name!r} in {self.directory}")

    def field_names(self) -> list[str]:
        """Every contributed field, first-party fields first, in contract order."""
        names: list[str] = []
        for contract in (self.first_party, *self.third_party):
            names.extend(f for f in contract.fields if f not in names)
        return names


def _key_path(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as the YAML key path, e.g. `fields.job_title.purposes[1]`."""
    path = ""
    for item in loc:
        path += f"[{item}]" if isinstance(item, int) else (f".{item}" if path else str(item))
    return path or "(top level)"


# libyaml's parser when PyYAML has it (its wheels do): the same documents, 10x faster, which
# matters to point lookups (`export` reads every contract).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise ContractError(f"{path}: cannot be read: {exc.strerror}") from exc
    if not isinstance(data, dict):
        raise ContractError(f"{path}: expected a mapping of keys at the top level")
    return data


def _validation_message(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{path}: {_key_path(tuple(error['loc']))}: {message}")
    return "\n".join(lines)


def load_taxonomy(path: Path) -> Taxonomy:
    """Load `purposes.yaml`; purpose names are dotted snake_case and parents must exist."""
    data = _read_yaml(path)
    try:
        taxonomy = Taxonomy(**data, file=path)
    except ValidationError as exc:
        raise ContractError(_validation_message(path, exc)) from exc
    for name in taxonomy.purposes:
        if not all(part.isidentifier() and part == part.lower() for part in name.split(".")):
            raise ContractError(f"{path}: purposes.{name}: must be dotted snake_case")
        parent = name.rpartition(".")[0]
        if parent and parent not in taxonomy.purposes:
            raise ContractError(
                f"{path}: purposes.{name}: parent purpose {parent!r} is not defined"
            )
    return taxonomy


def load_contract(path: Path, taxonomy: Taxonomy) -> Contract:
    """Load one contract file and check its purposes and its delivery glob."""
    data = _read_yaml(path)
    try:
        contract = Contract(**data, file=path)
    except ValidationError as exc:
        raise ContractError(_validation_message(path, exc)) from exc
    for key, spec in contract.fields.items():
        for i, purpose in enumerate(spec.purposes):
            if purpose not in taxonomy.purposes:
                known = ", ".join(sorted(taxonomy.purposes))
                raise ContractError(
                    f"{path}: fields.{key}.purposes[{i}]: unknown purpose {purpose!r} "
                    f"(known: {known})"
                )
    if contract.kind != "first_party" and not contract.identity:
        raise ContractError(f"{path}: identity: a third-party source needs identity fields")
    if not contract.delivery_files():
        raise ContractError(
            f"{path}: delivery.path: {contract.delivery.path!r} matches no file "
            f"(looked for {contract.delivery_glob})"
        )
    return contract


def load_contracts(directory: Path) -> ContractSet:
    """Load every `*.yaml` contract in `directory` plus its `purposes.yaml`."""
    directory = Path(directory).expanduser().resolve()
    if not directory.is_dir():
        raise ContractError(f"{directory}: contracts folder does not exist")
    taxonomy_path = directory / PURPOSES_FILE
    if not taxonomy_path.is_file():
        raise ContractError(f"{taxonomy_path}: missing (the purpose taxonomy is required)")
    taxonomy = load_taxonomy(taxonomy_path)
    files = sorted(p for p in directory.glob("*.y*ml") if p.name not in {PURPOSES_FILE})
    contracts = [load_contract(path, taxonomy) for path in files]
    seen: dict[str, Path] = {}
    for contract in contracts:
        if contract.name in seen:
            raise ContractError(
                f"{contract.file}: name: {contract.name!r} is already used by {seen[contract.name]}"
            )
        seen[contract.name] = contract.file
    first_party = [c for c in contracts if c.is_first_party]
    if len(first_party) != 1:
        found = ", ".join(str(c.file) for c in first_party) or "none"
        raise ContractError(
            f"{directory}: kind: exactly one contract must be first_party (found {found})"
        )
    return ContractSet(taxonomy=taxonomy, contracts=tuple(contracts), directory=directory)
