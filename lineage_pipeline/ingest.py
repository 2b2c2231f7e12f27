"""Ingest: delivery files (csv or parquet) in, one text-only record table per source out.

Every value is read as text, so ids and postcodes keep their leading zeros. A bad row is
quarantined with its file, row, column, reason and raw content; a bad file is rejected whole.
Rows in = rows kept + rows quarantined, for every delivery. A csv is parsed by pyarrow when
that reads it exactly as the line parser would (`fast_csv`), else line by line (`csv_lines`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lineage_pipeline.contracts import Contract
from lineage_pipeline.csv_lines import column_of_bad_byte, decode_lines, parse_csv
from lineage_pipeline.errors import DeliveryError
from lineage_pipeline.fast_csv import read_exact, to_frame

# System columns added to every record; delivery columns keep their own names.
DELIVERY = "_delivery"
ROW_NUMBER = "_row_number"
RECORD_ID = "_record_id"

QUARANTINE_COLUMNS = ["source", "delivery", "row_number", "column", "reason", "raw"]
MAX_FIELD_LENGTH = 1000
# Spreadsheet formula injection: = and @ always start a formula; + and - do unless the
# value is a number or a phone number.
FORMULA_START = re.compile(r"^[=@\t\r]|^[+-](?![\d\s().-]*$)")
_FORMULA_FIRST = pa.array(["=", "@", "\t", "\r", "+", "-"])
_DATE_IN_NAME = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})?")


@dataclass(frozen=True)
class DeliveryInfo:
    """One ingested file: what it held and what was kept."""

    source: str
    path: str
    sha256: str
    rows: int
    rows_quarantined: int
    acquired_at: datetime
    error: str | None = None
    # Set when the file's content (sha256) was already read from another file: not read again.
    duplicate_of: str | None = None


@dataclass
class SourceRecords:
    """Everything ingested for one source: kept records, quarantined rows and deliveries."""

    source: str
    records: pd.DataFrame
    quarantine: pd.DataFrame
    deliveries: list[DeliveryInfo] = field(default_factory=list)

    @property
    def rejected(self) -> list[DeliveryInfo]:
        return [d for d in self.deliveries if d.error]

    @property
    def read(self) -> list[DeliveryInfo]:
        """Deliveries whose rows were read: neither rejected nor a duplicate."""
        return [d for d in self.deliveries if not d.error and not d.duplicate_of]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def acquired_at_of(path: Path, fallback: datetime) -> datetime:
    """The delivery date in the file name (YYYY-MM-DD, YYYYMMDD or YYYY-MM), else `fallback`.

    File modification times are not used: a fresh clone stamps every file with "now".
    """
    for match in _DATE_IN_NAME.finditer(path.stem):
        year, month, day = match.group(1), match.group(2), match.group(3) or "01"
        try:
            return datetime(int(year), int(month), int(day))
        except ValueError:
            continue
    return fallback


class _Quarantine:
    """Collects rejected rows of one delivery."""

    def __init__(self, source: str, delivery: str) -> None:
        self.source, self.delivery = source, delivery
        self.rows: list[dict[str, object]] = []
        self.row_numbers: set[int] = set()

    def add(self, row_number: int, column: str | None, reason: str, raw: str) -> None:
        self.rows.append(
            {
                "source": self.source,
                "delivery": self.delivery,
                "row_number": row_number,
                "column": column,
                "reason": reason,
                "raw": raw,
            }
        )
        self.row_numbers.add(row_number)


def _read_csv(
    path: Path, contract: Contract, bad: _Quarantine
) -> tuple[pd.DataFrame, dict[str, pa.ChunkedArray] | None]:
    """The rows, and the same columns as Arrow text when the fast path read them."""
    data = path.read_bytes()
    where = f"{contract.name}: {path}"
    if not data or data.isspace():  # as `not data.strip()`, without copying the file
        raise DeliveryError(f"{where}: the file is empty")
    fast = read_exact(data, contract.delivery.delimiter, contract.delivery.encoding)
    if fast is not None:
        header, table = fast
        _check_header(path, contract, header)
        frame = to_frame(table, header)
        frame[ROW_NUMBER] = np.arange(2, len(frame) + 2, dtype=np.int64)
        return frame, dict(zip(header, table.columns, strict=True))
    lines, undecodable = decode_lines(data, contract.delivery.encoding, where)
    if undecodable and undecodable[0][0] == 1:
        raise DeliveryError(f"{where}: row 1: the header is {undecodable[0][2]}")
    header, rows = parse_csv(lines, contract.delivery.delimiter, bad.add)
    if not header or header == [""]:
        raise DeliveryError(f"{where}: row 1: no header row")
    _check_header(path, contract, header)
    for number, raw, reason in undecodable:
        encoding, delimiter = contract.delivery.encoding, contract.delivery.delimiter
        column = column_of_bad_byte(raw, encoding, header, delimiter)
        # Bad bytes kept as \xNN escapes, so the raw row loses nothing.
        bad.add(number, column, reason, raw.decode(encoding, errors="backslashreplace"))
    frame = pd.DataFrame([values for _, values in rows], columns=header, dtype=object)
    frame[ROW_NUMBER] = [number for number, _ in rows]
    return frame, None


def _read_parquet(path: Path, contract: Contract) -> pd.DataFrame:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise DeliveryError(f"{contract.name}: {path}: not a readable parquet file: {exc}") from exc
    _check_header(path, contract, list(table.column_names))
    frame = table.to_pandas(types_mapper=None)
    # Parquet is typed; values become text like a csv's so every later stage sees one shape.
    # Text columns already are (str or None), and _as_text would give each value back as is.
    for column, kind in zip(frame.columns, table.schema.types, strict=True):
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            frame[column] = frame[column].map(_as_text, na_action="ignore").astype(object)
    frame[ROW_NUMBER] = range(1, len(frame) + 1)
    return frame


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _check_header(path: Path, contract: Contract, header: list[str]) -> None:
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise DeliveryError(
            f"{contract.name}: {path}: row 1: column {', '.join(map(repr, repeated))} appears "
            "more than once in the header"
        )
    missing = [(col, key) for col, key in contract.mapped_columns().items() if col not in header]
    if not missing:
        return
    described = "; ".join(f"column {col!r} (named by {key})" for col, key in missing)
    hint = ""
    if len(header) == 1 and contract.delivery.format == "csv":
        hint = (
            f" The header has one column ({header[0][:60]!r}): is the delimiter not "
            f"{contract.delivery.delimiter!r}? Set delivery.delimiter in the contract."
        )
    raise DeliveryError(
        f"{contract.name}: {path}: row 1: missing {described}; the file has "
        f"{', '.join(map(repr, header[:12]))}.{hint}"
    )


def _texts(frame: pd.DataFrame, column: str, complete: bool) -> np.ndarray:
    """A column's values as an object array of str, missing values as "" (`complete`: none
    are missing, as in a csv)."""
    values = frame[column] if complete else frame[column].fillna("")
    return values.to_numpy(dtype=object)


def _check_rows(
    frame: pd.DataFrame,
    contract: Contract,
    bad: _Quarantine,
    text: dict[str, pa.ChunkedArray] | None = None,
) -> np.ndarray:
    """Row checks on mapped columns: empty or duplicate ids, length, formulas, patterns.

    Returns the record ids, stripped. Checks run in bulk (on `text`, the columns as Arrow
    strings, when the reader has them); only the few candidate values (a formula's first
    character) and each distinct value (patterns) meet a Python regex.
    """
    record_id = contract.delivery.record_id
    numbers = frame[ROW_NUMBER].to_numpy()
    complete = text is not None
    ids = np.array([v.strip() for v in _texts(frame, record_id, complete)], dtype=object)
    empty = ids == ""
    for number in numbers[empty]:
        bad.add(int(number), record_id, "empty record id", "")
    duplicated = pd.Series(ids).duplicated(keep="first").to_numpy() & ~empty
    for number, value in zip(numbers[duplicated], ids[duplicated], strict=True):
        bad.add(int(number), record_id, f"duplicate record id {value!r} in this delivery", "")
    patterns = {spec.column: spec.pattern for spec in contract.fields.values() if spec.pattern}
    for column in contract.mapped_columns():
        values = _texts(frame, column, complete)
        arrow = text[column] if text else pa.chunked_array([pa.array(values, type=pa.string())])
        too_long = pc.greater(pc.utf8_length(arrow), MAX_FIELD_LENGTH)
        for number in numbers[too_long.to_numpy()]:
            bad.add(int(number), column, f"value longer than {MAX_FIELD_LENGTH} characters", "")
        first = pc.is_in(pc.utf8_slice_codeunits(arrow, 0, 1), value_set=_FORMULA_FIRST)
        for position in np.flatnonzero(first.to_numpy()):
            value = values[position]
            if FORMULA_START.search(value):
                reason = f"value {value[:40]!r} starts like a spreadsheet formula"
                bad.add(int(numbers[position]), column, reason, "")
        if column in patterns:
            _check_pattern(values, numbers, column, patterns[column], bad)
    return ids


def _check_pattern(
    values: np.ndarray, numbers: np.ndarray, column: str, pattern: str, bad: _Quarantine
) -> None:
    """Quarantine non-empty values (stripped) not matching `pattern` in full, testing each
    distinct value once."""
    codes, distinct = pd.factorize(values)
    compiled = re.compile(pattern)
    stripped = [value.strip() for value in distinct]
    wrong = np.array([s != "" and compiled.fullmatch(s) is None for s in stripped], dtype=bool)
    for position in np.flatnonzero(wrong[codes]):
        value = stripped[codes[position]]
        reason = f"value {value[:40]!r} does not match pattern {pattern!r}"
        bad.add(int(numbers[position]), column, reason, "")


def _fill_raw(quarantine: list[dict[str, object]], frame: pd.DataFrame, delimiter: str) -> None:
    """Give row-level quarantine entries the row's raw content, as a delimited line quoted as
    csv would (a value holding the delimiter stays one value)."""
    todo = [entry for entry in quarantine if entry["raw"] == ""]
    if not todo:
        return
    columns = [c for c in frame.columns if not c.startswith("_")]
    positions = pd.Index(frame[ROW_NUMBER]).get_indexer([entry["row_number"] for entry in todo])
    found = [(entry, p) for entry, p in zip(todo, positions, strict=True) if p >= 0]
    rows = frame[columns].take([p for _, p in found]).itertuples(index=False, name=None)
    for (entry, _), row in zip(found, rows, strict=True):
        line = io.StringIO()
        csv.writer(line, delimiter=delimiter, lineterminator="").writerow(
            "" if pd.isna(v) else str(v) for v in row
        )
        entry["raw"] = line.getvalue()


def read_delivery(
    path: Path, contract: Contract, fallback_acquired_at: datetime
) -> tuple[pd.DataFrame, pd.DataFrame, DeliveryInfo]:
    """Read one delivery file; returns (kept records, quarantined rows, delivery info)."""
    bad = _Quarantine(contract.name, str(path))
    digest = sha256_of(path)
    acquired_at = acquired_at_of(path, fallback_acquired_at)
    text = None
    if contract.delivery.format == "parquet":
        frame = _read_parquet(path, contract)
    else:
        frame, text = _read_csv(path, contract, bad)
    total = len(frame) + len(bad.row_numbers)
    if total == 0:
        raise DeliveryError(f"{contract.name}: {path}: has a header but no rows")
    ids = _check_rows(frame, contract, bad, text)
    _fill_raw(bad.rows, frame, contract.delivery.delimiter)
    keep = np.flatnonzero(~frame[ROW_NUMBER].isin(bad.row_numbers).to_numpy())
    kept = frame if len(keep) == len(frame) else frame.take(keep)
    kept[DELIVERY] = str(path)
    kept[RECORD_ID] = ids[keep]
    kept.index = pd.RangeIndex(len(kept))
    quarantine = pd.DataFrame(bad.rows, columns=QUARANTINE_COLUMNS)
    info = DeliveryInfo(
        source=contract.name,
        path=str(path),
        sha256=digest,
        rows=total,
        rows_quarantined=len(bad.row_numbers),
        acquired_at=acquired_at,
    )
    return kept, quarantine, info


def ingest_delivery(contract: Contract, path: Path, now: datetime) -> SourceRecords:
    """One delivery file as a source's records; a rejected file is reported, never half-read."""
    try:
        kept, quarantine, info = read_delivery(path, contract, now)
    except DeliveryError as exc:
        info = DeliveryInfo(contract.name, str(path), sha256_of(path), 0, 0, now, str(exc))
        return SourceRecords(contract.name, _no_records(contract), _no_quarantine(), [info])
    return SourceRecords(contract.name, kept, quarantine, [info])


def join_deliveries(contract: Contract, parts: Iterable[SourceRecords]) -> SourceRecords:
    """A source's deliveries as one SourceRecords, in path order; the same file content
    delivered twice (same sha256) is read once: the first file by path wins."""
    deliveries: list[DeliveryInfo] = []
    frames: list[pd.DataFrame] = []
    quarantines: list[pd.DataFrame] = []
    seen: dict[str, str] = {}
    for part in sorted(parts, key=lambda p: [d.path for d in p.deliveries]):
        for info in part.deliveries:
            if info.error:
                deliveries.append(info)
            elif info.sha256 in seen:
                deliveries.append(
                    replace(info, rows=0, rows_quarantined=0, duplicate_of=seen[info.sha256])
                )
            else:
                seen[info.sha256] = info.path
                deliveries.append(info)
                frames.append(_of_delivery(part.records, DELIVERY, info.path, part))
                quarantines.append(_of_delivery(part.quarantine, "delivery", info.path, part))
    return SourceRecords(
        contract.name,
        _joined([f for f in frames if not f.empty], _no_records(contract)),
        _joined([q for q in quarantines if not q.empty], _no_quarantine()),
        deliveries,
    )


def ingest_source(contract: Contract, now: datetime) -> SourceRecords:
    """Every delivery of a source, read now; a rejected file is reported, never half-ingested."""
    return join_deliveries(
        contract, (ingest_delivery(contract, p, now) for p in contract.delivery_files())
    )


def _joined(frames: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    if len(frames) == 1 and frames[0].index.equals(pd.RangeIndex(len(frames[0]))):
        return frames[0]  # one delivery (the usual case): concatenating would only copy it
    return pd.concat(frames, ignore_index=True) if frames else empty


def _of_delivery(frame: pd.DataFrame, column: str, path: str, part: SourceRecords) -> pd.DataFrame:
    return frame if len(part.deliveries) == 1 else frame[frame[column] == path]


def _no_records(contract: Contract) -> pd.DataFrame:
    return pd.DataFrame(columns=[*contract.mapped_columns(), ROW_NUMBER, DELIVERY, RECORD_ID])


def _no_quarantine() -> pd.DataFrame:
    return pd.DataFrame(columns=QUARANTINE_COLUMNS)


def _header_of(path: Path, contract: Contract) -> list[str]:
    if contract.delivery.format == "parquet":
        return list(pq.read_schema(path).names)
    with path.open(encoding=contract.delivery.encoding, errors="replace", newline="") as handle:
        first = handle.readline().lstrip("\ufeff")
    return [h.strip() for h in next(csv.reader([first], delimiter=contract.delivery.delimiter), [])]


def check_delivery_headers(contract: Contract) -> list[str]:
    """Problems with the delivery files' headers, one message per file (empty when fine)."""
    problems = []
    for path in contract.delivery_files():
        try:
            _check_header(path, contract, _header_of(path, contract))
        except DeliveryError as exc:
            problems.append(str(exc))
        except Exception as exc:  # an unreadable file is reported, not raised, when validating
            problems.append(f"{contract.name}: {path}: cannot be read: {exc}")
    return problems
