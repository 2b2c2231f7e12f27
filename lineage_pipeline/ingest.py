"""Ingest: delivery files (csv or parquet) in, one text-only record table per source out.

Every value is read as text, so ids and postcodes keep their leading zeros. A bad row is
quarantined with its file, row, column, reason and raw content; a bad file is rejected whole.
Rows in = rows kept + rows quarantined, for every delivery.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from lineage_pipeline.contracts import Contract
from lineage_pipeline.errors import DeliveryError

# System columns added to every record; delivery columns keep their own names.
DELIVERY = "_delivery"
ROW_NUMBER = "_row_number"
RECORD_ID = "_record_id"

QUARANTINE_COLUMNS = ["source", "delivery", "row_number", "column", "reason", "raw"]
MAX_FIELD_LENGTH = 1000
# Spreadsheet formula injection: = and @ always start a formula; + and - do unless the
# value is a number or a phone number.
FORMULA_START = re.compile(r"^[=@\t\r]|^[+-](?![\d\s().-]*$)")
_DATE_IN_NAME = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})?")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


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


Undecodable = tuple[int, bytes, str]  # (line number, the line's bytes, reason)


def _decode_wide(data: bytes, encoding: str, where: str) -> list[tuple[int, str]]:
    """UTF-16/32 files decode whole: their line breaks are not single bytes."""
    try:
        text = data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise DeliveryError(f"{where}: not valid {encoding} at byte {exc.start + 1}") from exc
    return list(enumerate(io.StringIO(text, newline=""), start=1))


def _decode_lines(
    data: bytes, encoding: str, where: str
) -> tuple[list[tuple[int, str]], list[Undecodable]]:
    """Split into (line number, text) pairs, and the lines that do not decode."""
    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return _decode_wide(data, encoding, where), []
    if data.startswith(_UTF16_BOMS):
        raise DeliveryError(
            f"{where}: row 1: the file starts with a UTF-16 byte-order mark but the contract "
            f"reads {encoding}; set delivery.encoding: utf-16 in the contract"
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    lines: list[tuple[int, str]] = []
    undecodable: list[Undecodable] = []
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            lines.append((number, raw.decode(encoding)))
        except UnicodeDecodeError as exc:
            reason = (
                f"not valid {encoding} (byte 0x{raw[exc.start]:02x} at position {exc.start + 1}); "
                "set delivery.encoding in the contract if the whole file uses another encoding"
            )
            undecodable.append((number, raw.rstrip(b"\r\n"), reason))
    return lines, undecodable


def _column_of_bad_byte(raw: bytes, encoding: str, header: list[str], delimiter: str) -> str | None:
    """The header name of the first field holding an undecodable byte."""
    text = raw.decode(encoding, errors="replace")
    fields = next(csv.reader([text], delimiter=delimiter), [])
    for name, value in zip(header, fields, strict=False):
        if "\ufffd" in value:
            return name
    return None


def _parse_csv(
    lines: list[tuple[int, str]], delimiter: str, bad: _Quarantine
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Parse decoded lines; a record with the wrong field count is quarantined.

    Broken quoting makes the csv module swallow the following lines into one record, so a bad
    record is rejected as its first line only and parsing restarts on the next line: one bad
    quote costs one row, not the rest of the file.
    """
    if not lines:
        return [], []
    header = [h.strip() for h in next(csv.reader([lines[0][1]], delimiter=delimiter))]
    width = len(header)
    rows: list[tuple[int, list[str]]] = []
    position = 1
    while position < len(lines):
        position = _parse_from(lines, position, delimiter, width, rows, bad)
    return header, rows


def _parse_from(
    lines: list[tuple[int, str]],
    start: int,
    delimiter: str,
    width: int,
    rows: list[tuple[int, list[str]]],
    bad: _Quarantine,
) -> int:
    """Parse records from line index `start` until the end or the first bad record.

    Returns the index to resume from: the end, or the line after a bad record's first line.
    """
    cursor = start

    def feed():
        nonlocal cursor
        while cursor < len(lines):
            cursor += 1
            yield lines[cursor - 1][1]

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    while True:
        record_start = cursor
        try:
            values = next(reader)
        except StopIteration:
            return len(lines)
        except csv.Error as exc:
            found = str(exc)
        else:
            if not values or values == [""]:
                continue
            if len(values) == width:
                rows.append((lines[record_start][0], values))
                continue
            found = f"{len(values)} fields"
        number, text = lines[record_start]
        bad.add(
            number,
            None,
            f"malformed row: expected {width} fields separated by {delimiter!r}, found {found}",
            text.rstrip("\r\n"),
        )
        return record_start + 1


def _read_csv(path: Path, contract: Contract, bad: _Quarantine) -> pd.DataFrame:
    data = path.read_bytes()
    where = f"{contract.name}: {path}"
    if not data.strip():
        raise DeliveryError(f"{where}: the file is empty")
    lines, undecodable = _decode_lines(data, contract.delivery.encoding, where)
    if undecodable and undecodable[0][0] == 1:
        raise DeliveryError(f"{where}: row 1: the header is {undecodable[0][2]}")
    header, rows = _parse_csv(lines, contract.delivery.delimiter, bad)
    if not header or header == [""]:
        raise DeliveryError(f"{where}: row 1: no header row")
    _check_header(path, contract, header)
    for number, raw, reason in undecodable:
        encoding, delimiter = contract.delivery.encoding, contract.delivery.delimiter
        column = _column_of_bad_byte(raw, encoding, header, delimiter)
        # Bad bytes kept as \xNN escapes, so the raw row loses nothing.
        bad.add(number, column, reason, raw.decode(encoding, errors="backslashreplace"))
    frame = pd.DataFrame([values for _, values in rows], columns=header, dtype=object)
    frame[ROW_NUMBER] = [number for number, _ in rows]
    return frame


def _read_parquet(path: Path, contract: Contract) -> pd.DataFrame:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise DeliveryError(f"{contract.name}: {path}: not a readable parquet file: {exc}") from exc
    _check_header(path, contract, list(table.column_names))
    frame = table.to_pandas(types_mapper=None)
    # Parquet is typed; values become text like a csv's so every later stage sees one shape.
    for column in frame.columns:
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


def _check_rows(frame: pd.DataFrame, contract: Contract, bad: _Quarantine) -> None:
    """Row checks on mapped columns: empty or duplicate ids, length, formulas, patterns."""
    record_id = contract.delivery.record_id
    ids = frame[record_id].fillna("").str.strip()
    for number in frame.loc[ids == "", ROW_NUMBER]:
        bad.add(int(number), record_id, "empty record id", "")
    duplicated = ids.duplicated(keep="first") & (ids != "")
    for number, value in zip(frame.loc[duplicated, ROW_NUMBER], ids[duplicated], strict=True):
        bad.add(int(number), record_id, f"duplicate record id {value!r} in this delivery", "")
    patterns = {spec.column: spec.pattern for spec in contract.fields.values() if spec.pattern}
    for column in contract.mapped_columns():
        values = frame[column].fillna("")
        too_long = values.str.len() > MAX_FIELD_LENGTH
        for number, value in zip(frame.loc[too_long, ROW_NUMBER], values[too_long], strict=True):
            bad.add(int(number), column, f"value longer than {MAX_FIELD_LENGTH} characters", "")
            del value
        formula = values.str.contains(FORMULA_START)
        for number, value in zip(frame.loc[formula, ROW_NUMBER], values[formula], strict=True):
            reason = f"value {value[:40]!r} starts like a spreadsheet formula"
            bad.add(int(number), column, reason, "")
        if column in patterns:
            stripped = values.str.strip()
            wrong = (stripped != "") & ~stripped.str.fullmatch(patterns[column])
            for number, value in zip(frame.loc[wrong, ROW_NUMBER], stripped[wrong], strict=True):
                reason = f"value {value[:40]!r} does not match pattern {patterns[column]!r}"
                bad.add(int(number), column, reason, "")


def _fill_raw(quarantine: list[dict[str, object]], frame: pd.DataFrame, delimiter: str) -> None:
    """Give row-level quarantine entries the row's raw content, as a delimited line quoted as
    csv would (a value holding the delimiter stays one value)."""
    columns = [c for c in frame.columns if not c.startswith("_")]
    by_number = frame.set_index(ROW_NUMBER)
    for entry in quarantine:
        if entry["raw"] == "" and entry["row_number"] in by_number.index:
            row = by_number.loc[entry["row_number"], columns]
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
    if contract.delivery.format == "parquet":
        frame = _read_parquet(path, contract)
    else:
        frame = _read_csv(path, contract, bad)
    total = len(frame) + len(bad.row_numbers)
    if total == 0:
        raise DeliveryError(f"{contract.name}: {path}: has a header but no rows")
    _check_rows(frame, contract, bad)
    _fill_raw(bad.rows, frame, contract.delivery.delimiter)
    kept = frame[~frame[ROW_NUMBER].isin(bad.row_numbers)].copy()
    kept[DELIVERY] = str(path)
    kept[RECORD_ID] = kept[contract.delivery.record_id].str.strip()
    quarantine = pd.DataFrame(bad.rows, columns=QUARANTINE_COLUMNS)
    info = DeliveryInfo(
        source=contract.name,
        path=str(path),
        sha256=digest,
        rows=total,
        rows_quarantined=len(bad.row_numbers),
        acquired_at=acquired_at,
    )
    return kept.reset_index(drop=True), quarantine, info


def ingest_source(contract: Contract, now: datetime) -> SourceRecords:
    """Read every delivery of a source; a rejected file is reported, never half-ingested.

    The same file content delivered twice (same sha256) is ingested once.
    """
    frames: list[pd.DataFrame] = []
    quarantines: list[pd.DataFrame] = []
    deliveries: list[DeliveryInfo] = []
    seen: dict[str, str] = {}
    for path in contract.delivery_files():
        try:
            kept, quarantine, info = read_delivery(path, contract, now)
        except DeliveryError as exc:
            deliveries.append(
                DeliveryInfo(contract.name, str(path), sha256_of(path), 0, 0, now, str(exc))
            )
            continue
        if info.sha256 in seen:
            deliveries.append(
                replace(info, rows=0, rows_quarantined=0, duplicate_of=seen[info.sha256])
            )
            continue
        seen[info.sha256] = info.path
        frames.append(kept)
        quarantines.append(quarantine)
        deliveries.append(info)
    columns = [*contract.mapped_columns(), ROW_NUMBER, DELIVERY, RECORD_ID]
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    quarantine = (
        pd.concat(quarantines, ignore_index=True)
        if quarantines
        else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    )
    return SourceRecords(contract.name, records, quarantine, deliveries)


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
