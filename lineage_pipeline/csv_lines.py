"""The line parser for csv deliveries: bytes in, (line number, text) lines and then a header
and rows out, every line accounted for.

It reads what the fast path (`fast_csv`) declines: undecodable lines are set aside with their
reason, and a malformed record is rejected as its first line only, so one bad quote costs one
row, not the rest of the file.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable

from lineage_pipeline.errors import DeliveryError

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Called with (row number, column or None, reason, raw line) for each rejected record.
Reject = Callable[[int, str | None, str, str], None]

Undecodable = tuple[int, bytes, str]  # (line number, the line's bytes, reason)


def _decode_wide(data: bytes, encoding: str, where: str) -> list[tuple[int, str]]:
    """UTF-16/32 files decode whole: their line breaks are not single bytes."""
    try:
        text = data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise DeliveryError(f"{where}: not valid {encoding} at byte {exc.start + 1}") from exc
    return list(enumerate(io.StringIO(text, newline=""), start=1))


def decode_lines(
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


def column_of_bad_byte(raw: bytes, encoding: str, header: list[str], delimiter: str) -> str | None:
    """The header name of the first field holding an undecodable byte."""
    text = raw.decode(encoding, errors="replace")
    fields = next(csv.reader([text], delimiter=delimiter), [])
    for name, value in zip(header, fields, strict=False):
        if "\ufffd" in value:
            return name
    return None


def parse_csv(
    lines: list[tuple[int, str]], delimiter: str, reject: Reject
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
        position = _parse_from(lines, position, delimiter, width, rows, reject)
    return header, rows


def _parse_from(
    lines: list[tuple[int, str]],
    start: int,
    delimiter: str,
    width: int,
    rows: list[tuple[int, list[str]]],
    reject: Reject,
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
        reject(
            number,
            None,
            f"malformed row: expected {width} fields separated by {delimiter!r}, found {found}",
            text.rstrip("\r\n"),
        )
        return record_start + 1
