"""Request files: a JSON privacy request dropped in a folder in, the operation done and a receipt
out.

Input: e.g. `{"kind": "erase", "customer_id": "C1"}`, `{"kind": "restrict", "customer_id": "C1",
"purposes": ["marketing"]}`, `{"kind": "correct", "customer_id": "C1", "field": "city",
"value": "York"}`, `{"kind": "access", "customer_id": "C1"}`, `{"kind": "retention"}`.
Output: `done/<request_id>.json` (the receipt: no raw identifiers) and, for access, the report
under `exports/<request_id>/`. Invariant: a handled request file is deleted (it names the person);
a request that fails moves to `failed/` with the reason beside it, for a person to look at.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from lineage_pipeline.contracts import load_contracts
from lineage_pipeline.errors import LineageError
from lineage_pipeline.privacy import correct, erase, export, export_report, restrict, retention
from lineage_pipeline.privacy.requests import Receipt
from lineage_pipeline.settings import Settings

REQUESTS_ENV = "LINEAGE_PRIVACY_REQUESTS"
DONE, FAILED, EXPORTS = "done", "failed", "exports"


class PrivacyRequest(BaseModel):
    """One request file's content, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["access", "erase", "restrict", "correct", "retention"]
    customer_id: str | None = None
    purposes: tuple[str, ...] = ()
    field: str | None = None
    value: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> PrivacyRequest:
        if self.kind != "retention" and not self.customer_id:
            raise ValueError(f"a {self.kind} request needs customer_id")
        if self.kind == "restrict" and not self.purposes:
            raise ValueError('a restrict request needs purposes, e.g. ["marketing"]')
        if self.kind == "correct" and (not self.field or self.value is None):
            raise ValueError("a correct request needs field and value")
        return self


def requests_folder(settings: Settings) -> Path:
    """Where request files are dropped (LINEAGE_PRIVACY_REQUESTS, else beside the warehouse)."""
    configured = os.environ.get(REQUESTS_ENV)
    return Path(configured) if configured else settings.warehouse_path.parent / "privacy_requests"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_request(path: Path) -> PrivacyRequest:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LineageError(f"{path}: not a readable JSON request: {exc}") from exc
    if not isinstance(data, dict):
        raise LineageError(f'{path}: expected a JSON object such as {{"kind": "erase", ...}}')
    try:
        return PrivacyRequest(**data)
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise LineageError(f"{path}: {problems}") from exc


def perform(request: PrivacyRequest, settings: Settings, exports_dir: Path) -> Receipt:
    """Carry out one request against the published warehouse."""
    if request.kind == "retention":
        return retention.sweep(settings)
    customer = str(request.customer_id)
    if request.kind == "restrict":
        return restrict.restrict(settings, customer, list(request.purposes))
    contracts = load_contracts(settings.contracts_dir)
    if request.kind == "erase":
        return erase.erase(settings, customer, contracts)
    if request.kind == "correct":
        return correct.correct(
            settings, customer, str(request.field), str(request.value), contracts
        )
    document, receipt = export.subject_access(settings, customer, contracts)
    json_path, md_path = export_report.write_report(document, exports_dir / receipt.request_id)
    receipt.notes.append(f"report written to {md_path.parent}")
    return receipt


def handle_file(path: Path, settings: Settings) -> Receipt:
    """Perform a request file, write its receipt to done/, and delete the file.

    On failure the file moves to failed/ with a `.error.txt` beside it and the error is raised.
    """
    path = Path(path)
    folder = path.parent
    try:
        receipt = perform(read_request(path), settings, folder / EXPORTS)
    except LineageError as exc:
        (folder / FAILED).mkdir(parents=True, exist_ok=True)
        os.replace(path, folder / FAILED / path.name)
        (folder / FAILED / f"{path.name}.error.txt").write_text(f"{exc}\n", encoding="utf-8")
        raise
    (folder / DONE).mkdir(parents=True, exist_ok=True)
    receipt_path = folder / DONE / f"{receipt.request_id}.json"
    receipt_path.write_text(json.dumps(receipt.as_dict(), indent=2), encoding="utf-8")
    path.unlink(missing_ok=True)
    return receipt
