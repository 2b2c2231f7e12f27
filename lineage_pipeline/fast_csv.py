"""Fast csv reading: delivery bytes in, (header, text-only table) out, or None.

pyarrow parses a file only when every row would read exactly as the line parser in `ingest`
reads it (one record per line, strict quoting, no blank line, no NUL, no oversized field);
for any other file the answer is None and the line parser, with its per-row quarantine and
messages, reads it instead. Row numbers are then simply line numbers: row i is line i + 2.
"""

from __future__ import annotations

import codecs
import csv
import re
from functools import cache

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# Codecs whose whole-file decoding equals decoding line by line (line breaks are single bytes
# that never occur inside a character), as the line parser does.
_LINEWISE_CODECS = frozenset({"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252"})
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_QUOTE = '"'


@cache
def _strict_csv(delimiter: str) -> re.Pattern[str]:
    """Whole files the strict csv reader reads one record per line: a quoted field opens at the
    field's start, closes right before a delimiter or the line's end and spans no line break.
    The possessive loops never revisit a choice, so a match is the csv module's own parse."""
    d = re.escape(delimiter)
    field = rf'(?:"(?:[^"\r\n]|"")*+"|[^{d}"\r\n][^{d}\r\n]*+|)'
    line = rf"{field}(?:{d}{field})*+"
    return re.compile(rf"(?:{line}(?:\r\n|\r|\n))*+{line}")


def _line_count(text: str) -> int:
    """len(text.splitlines()) for line breaks \\r, \\n and \\r\\n only (bytes.splitlines)."""
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks + (0 if text.endswith(("\n", "\r")) else 1)


def _header(text: str, delimiter: str) -> list[str]:
    end = len(text)
    for stop in ("\n", "\r"):
        found = text.find(stop)
        if found != -1:
            end = min(end, found)
    return [h.strip() for h in next(csv.reader([text[:end]], delimiter=delimiter), [])]


def read_exact(data: bytes, delimiter: str, encoding: str) -> tuple[list[str], pa.Table] | None:
    """The header and every row as text (columns named by position), or None when the line
    parser must read the file. `data` is the whole file, byte-order mark included."""
    if codecs.lookup(encoding).name not in _LINEWISE_CODECS:
        return None
    if not delimiter.isascii() or delimiter in (_QUOTE, "\r", "\n") or data.startswith(_UTF16_BOMS):
        return None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    if _QUOTE in text and _strict_csv(delimiter).fullmatch(text) is None:
        return None
    header = _header(text, delimiter)
    if len(header) < 2:
        return None  # one column: a line holding only "" is skipped by csv, kept by pyarrow
    utf8 = data if codecs.lookup(encoding).name == "utf-8" else text.encode("utf-8")
    table = _parse(utf8, delimiter, len(header))
    if table is None or table.num_rows + 1 != _line_count(text):
        return None  # blank lines or records the parsers split differently
    limit = csv.field_size_limit()
    for column in table.columns:
        longest = pc.max(pc.utf8_length(column)).as_py()
        if longest is not None and longest > limit:
            return None  # the csv module rejects such a row
    return header, table


def _parse(utf8: bytes, delimiter: str, width: int) -> pa.Table | None:
    names = [f"column_{i}" for i in range(width)]
    try:
        return pacsv.read_csv(
            pa.py_buffer(utf8),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char=_QUOTE,
                double_quote=True,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None


def to_frame(table: pa.Table, header: list[str]) -> pd.DataFrame:
    """Object columns of Python strings, as the line parser builds them; equal strings share
    one object, which keeps repeated values (sizes, codes, cities) cheap."""
    columns = {
        name: column.to_pandas(deduplicate_objects=True).to_numpy(dtype=object)
        for name, column in zip(header, table.columns, strict=True)
    }
    return pd.DataFrame(columns, columns=header)
