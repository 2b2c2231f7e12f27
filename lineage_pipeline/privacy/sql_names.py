"""SQL names: validated contract names in, quoted SQL identifiers and literals out.

DuckDB cannot bind identifiers as parameters, so generated DDL (purpose schemas and views)
quotes them here. Invariant: only names that passed contract validation (snake_case fields,
dotted snake_case purposes, table names from the warehouse catalogue) are ever quoted; values
from data are always bound as parameters instead.
"""

from __future__ import annotations

import re
from datetime import datetime

from lineage_pipeline.errors import LineageError

_SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def quote_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier; refuses anything but a plain dotted name."""
    if not _SAFE_NAME.match(name):
        raise LineageError(f"{name!r} is not a valid table, schema or column name")
    return '"' + name + '"'


def quote_literal(text: str) -> str:
    """A validated name as a single-quoted SQL string literal (for view definitions)."""
    quote_identifier(text)  # same validation: plain dotted names only
    return "'" + text + "'"


def timestamp_literal(moment: datetime) -> str:
    """A datetime as a SQL TIMESTAMP literal (formatted from the value, never from text)."""
    return f"TIMESTAMP '{moment.strftime('%Y-%m-%d %H:%M:%S')}'"
