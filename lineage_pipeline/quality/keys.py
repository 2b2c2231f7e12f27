"""Row keys for validating on representative rows: a frame's columns in, one integer code per row
out, and a representative row of each code with the number of rows it stands for.

A key has a kind: VALUE codes the value itself, NULL only whether it is missing, LENGTH only
its length as text. Invariant: two rows with one code hold values that an expectation reading
the column that way cannot tell apart (identical bits, equal strings, missing values of one
type), so GX judges both alike; a column whose values cannot be coded so gets no key (None).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray
from pandas.api.types import infer_dtype, is_object_dtype

from lineage_pipeline.narrow import int_type, narrow
from lineage_pipeline.quality.batches import compactable
from lineage_pipeline.quality.suites import Expectation

VALUE = "value"
NULL = "null"
LENGTH = "length"
# "start:<characters>": only whether a string starts with one of the characters, and if so
# the value itself (regex_start: a value starting otherwise cannot match the regex).
START = "start:"
# Object columns whose values compare as what they print: equal ones are judged alike.
EXACT_OBJECTS = frozenset({"string", "boolean", "empty"})
TEXT = frozenset({"string", "empty"})
# Two keys are combined through a dense table of cells (a byte each, and an int32 code) when it
# has at most this many cells, or this many per row: at most 20 bytes a row, about what hashing
# millions of distinct combinations takes, and several times faster.
_DENSE = 1 << 22
_DENSE_PER_ROW = 4
ArrayLike = np.ndarray | ExtensionArray


@dataclass(frozen=True)
class Codes:
    """A code in 0..size-1 for every row, in the narrowest integer that holds `size` codes: a
    frame of 12M rows has a key per column read, and int64 keys alone took gigabytes."""

    codes: np.ndarray
    size: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", narrow(self.codes, self.size))


@dataclass(frozen=True)
class Factorized:
    """A column's values coded: codes below `values` are distinct values (`distinct`), the
    others missing values, one code per type (None, NaN, NaT and NA differ to GX)."""

    key: Codes
    distinct: ArrayLike | pd.Index
    values: int
    pandas_equality: bool = True  # distinct values pairwise unequal (pd.factorize's own codes)

    def missing(self) -> np.ndarray:
        """Per code: whether it stands for a missing value."""
        return np.arange(self.key.size) >= self.values


def _factorized(values: ArrayLike) -> Factorized:
    codes, uniques = pd.factorize(values)
    codes = codes.astype(np.int64, copy=False)
    missing = np.flatnonzero(codes < 0)
    count = len(uniques)
    if not len(missing):
        return Factorized(Codes(codes, count), uniques, count)
    kinds = np.fromiter(map(type, values[missing]), dtype=object, count=len(missing))
    types, _ = pd.factorize(kinds)
    codes[missing] = count + types
    return Factorized(Codes(codes, count + int(types.max()) + 1), uniques, count)


def _categories(column: pd.Series) -> Factorized:
    """A category is one object, so its code is exact; missing (code -1) comes last."""
    categories = column.cat.categories
    codes = column.cat.codes.to_numpy().astype(np.int64)
    codes[codes < 0] = len(categories)
    return Factorized(Codes(codes, len(categories) + 1), categories, len(categories))


def _bits(column: pd.Series) -> Codes:
    """Numbers, booleans and times by their bits: -0.0 and 0.0, or two NaNs, stay apart (they
    may print apart)."""
    values = np.ascontiguousarray(column.to_numpy())
    codes, uniques = pd.factorize(values.view(f"u{values.itemsize}"))
    return Codes(codes.astype(np.int64, copy=False), len(uniques))


def _starting(found: Factorized, characters: frozenset[str]) -> Codes:
    """Strings starting with one of the characters by value; all others as one code; missing
    values by type."""
    prefixes = tuple(characters)
    starts = np.fromiter(
        map(str.startswith, found.distinct, repeat(prefixes)), dtype=bool, count=found.values
    )
    kept = np.flatnonzero(starts)
    per_code = np.full(found.key.size, len(kept), dtype=np.int64)  # the others' shared code
    per_code[kept] = np.arange(len(kept))
    per_code[found.values :] = len(kept) + 1 + np.arange(found.key.size - found.values)
    return Codes(per_code[found.key.codes], len(kept) + 1 + found.key.size - found.values)


def combine(parts: list[Codes]) -> Codes:
    """One code per distinct combination of the parts' codes."""
    codes, size = parts[0].codes, parts[0].size
    dense_cells = max(_DENSE, _DENSE_PER_ROW * len(codes))
    for part in parts[1:]:
        joint = codes.astype(np.int64) * part.size + part.codes
        cells = size * part.size
        if cells <= dense_cells:
            present = np.zeros(cells, dtype=bool)
            present[joint] = True
            dense = np.cumsum(present, dtype=int_type(cells))
            codes, size = dense[joint] - 1, int(dense[-1]) if cells else 0
            continue
        if cells >= 2**62:  # re-code the combination so far before it overflows
            codes, uniques = pd.factorize(codes)
            joint, size = codes.astype(np.int64) * part.size + part.codes, len(uniques)
        joint_codes, uniques = pd.factorize(joint)
        codes, size = joint_codes.astype(np.int64, copy=False), len(uniques)
    return Codes(codes, size)


class KeyCache:
    """The keys of one frame's columns, each computed once per validation of a suite, and
    which columns a whole-frame validation of that suite shows GX as categoricals."""

    def __init__(
        self,
        frame: pd.DataFrame,
        expectations: list[Expectation],
        known: Mapping[str, Factorized] | None = None,
    ) -> None:
        """`known`: columns coded already (as their frame was built), taken when they hold
        strings only."""
        self.frame = frame
        self._compactable = compactable(frame, expectations)
        self._strings: dict[str, bool] = {}
        self._factorized: dict[str, Factorized | None] = {
            column: found
            for column, found in (known or {}).items()
            if column in frame
            and is_object_dtype(frame[column].dtype)
            and len(found.key.codes) == len(frame)
            and infer_dtype(found.distinct, skipna=True) == "string"
        }
        self._keys: dict[tuple[str, str], Codes | None] = {}
        self._valued: set[str] = set()

    def holds_strings(self, column: str) -> bool:
        """An object column whose values (nulls aside) are all strings. Told from its distinct
        values when it is factorized anyway: no value of another type equals a string."""
        if column not in self._strings:
            values = self.frame[column]
            found = self._factorized.get(column)
            shown = found.distinct if found is not None else values.to_numpy()
            self._strings[column] = is_object_dtype(values.dtype) and (
                infer_dtype(shown, skipna=True) == "string"
            )
        return self._strings[column]

    def compacted(self, column: str) -> bool:
        """Whether a whole-frame validation shows GX this column as a categorical."""
        return column in self._compactable and self.holds_strings(column)

    def compact(self) -> set[str]:
        return {c for c in self._compactable if self.compacted(c)}

    def will_read(self, reads: Iterable[Mapping[str, str]]) -> None:
        """The keys to come: a column read by value anywhere is factorized once, and its null
        and length keys are derived from that."""
        for read in reads:
            self._valued.update(c for c, kind in read.items() if kind != NULL)

    def factorized(self, column: str) -> Factorized | None:
        """The values of a column of strings or categories; None for other columns."""
        if column not in self._factorized:
            self._factorized[column] = self._factorize(self.frame[column])
        return self._factorized[column]

    @staticmethod
    def _factorize(series: pd.Series) -> Factorized | None:
        if isinstance(series.dtype, pd.CategoricalDtype):
            return _categories(series)
        if isinstance(series.dtype, pd.StringDtype):
            return _factorized(series.array)
        if not is_object_dtype(series.dtype):
            return None
        found = _factorized(series.to_numpy())
        inferred = infer_dtype(found.distinct, skipna=True)
        if inferred == "string":  # no other value equals a string: the column holds strings
            return found
        if inferred not in EXACT_OBJECTS:
            return None
        # True == 1: only the whole column tells booleans from numbers
        return found if infer_dtype(series.to_numpy(), skipna=True) in EXACT_OBJECTS else None

    def column(self, column: str, kind: str) -> Codes | None:
        """The key of one column read as `kind`; None when it cannot be exact."""
        if (column, kind) not in self._keys:
            self._keys[column, kind] = self._column(column, kind)
        return self._keys[column, kind]

    def missing(self, column: str) -> np.ndarray:
        """Whether each row's value is missing (as GX's isnull says)."""
        codes = self.column(column, NULL)
        assert codes is not None  # every column has a null key
        return codes.codes.astype(bool)

    def _column(self, column: str, kind: str) -> Codes | None:
        series = self.frame[column]
        numeric = isinstance(series.dtype, np.dtype) and series.dtype.kind in "biufmM"
        if kind == NULL:
            found = self.factorized(column) if column in self._valued else None
            if found is not None:  # missing codes are the last ones
                return Codes((found.key.codes >= found.values).astype(np.int64), 2)
            # GX's own test (isnull), so missing is what GX calls missing
            return Codes(series.isna().to_numpy().astype(np.int64), 2)
        if kind == VALUE:
            if numeric:
                return _bits(series)
            found = self.factorized(column)
            return None if found is None else found.key
        found = self.factorized(column)  # GX reads astype(str): strings only
        if found is None or infer_dtype(found.distinct, skipna=True) not in TEXT:
            return None
        if kind.startswith(START):
            return _starting(found, frozenset(kind.removeprefix(START)))
        lengths = [*map(len, found.distinct), *range(-1, found.values - found.key.size - 1, -1)]
        per_value, distinct = pd.factorize(np.asarray(lengths, dtype=np.int64))
        return Codes(per_value[found.key.codes].astype(np.int64, copy=False), len(distinct))

    def key(self, reads: Mapping[str, str]) -> Codes | None:
        """The key of the columns read (column -> kind), or None when one cannot be coded."""
        parts = [self.column(column, kind) for column, kind in sorted(reads.items())]
        if any(part is None for part in parts):
            return None
        if not parts:
            return Codes(np.zeros(len(self.frame), dtype=np.int64), 1)
        return combine([p for p in parts if p is not None])

    def equal_values(self, column: str, rows: np.ndarray) -> np.ndarray:
        """A code per given row such that values pandas finds equal (as `duplicated` does,
        missing ones included) share one: coarser, never finer, than pandas' equality."""
        found = self._factorized.get(column)
        if found is None and isinstance(self.frame[column].dtype, pd.CategoricalDtype):
            found = self.factorized(column)  # its codes: no object made, none hashed
        if found is not None and found.pandas_equality:
            codes = found.key.codes[rows]
            return np.minimum(codes, found.values)  # every missing value one code
        codes, _ = pd.factorize(self.frame[column].to_numpy()[rows])
        return codes.astype(np.int64, copy=False)  # missing: -1, one code


@dataclass(frozen=True)
class Representatives:
    """One row of each code, in frame order, and the rows each stands for."""

    rows: np.ndarray  # the representative rows' positions in the frame, increasing
    weight: np.ndarray  # how many rows each stands for
    of_row: np.ndarray  # each row's representative (an index into `rows`)


def representatives(key: Codes) -> Representatives:
    """Any row of a code judges for all of them, so the one kept is whichever a scatter
    leaves (no hashing, no sort of the rows)."""
    chosen = np.full(key.size, -1, dtype=np.int64)
    chosen[key.codes] = np.arange(len(key.codes))
    present = np.flatnonzero(chosen >= 0)
    present = present[np.argsort(chosen[present], kind="stable")]
    rank = np.full(key.size, -1, dtype=np.int64)
    rank[present] = np.arange(len(present))
    weight = np.bincount(key.codes, minlength=key.size)[present]
    return Representatives(rows=chosen[present], weight=weight, of_row=rank[key.codes])
