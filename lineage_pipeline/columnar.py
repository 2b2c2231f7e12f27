"""pandas frames in, slices of rows as Arrow tables out, holding what DuckDB's own pandas scan
would read.

DuckDB reads Arrow natively but converts a pandas object column one Python object at a time.
Here text is turned into Arrow once per distinct string object instead (merge shares one object
among the rows holding one value, and one list among the rows of one part), and a Categorical's
categories once per column. Invariant: a slice holding anything but text, lists of text and
plain numpy or categorical columns is given as the frame itself, to be scanned as it is.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

TEXT = pa.string()
TEXT_LIST = pa.list_(pa.string())
BATCH_ROWS = 122_880  # DuckDB's row group size


def _text(values: np.ndarray | pd.Index) -> pa.Array | None:
    """Values as Arrow text (missing ones null), or None if not all of them are text."""
    try:
        array = pa.array(np.asarray(values, dtype=object), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if pa.types.is_string(array.type) or pa.types.is_null(array.type):
        return array.cast(TEXT)
    return None


def _text_lists(values: np.ndarray) -> pa.Array | None:
    """Python lists of text as Arrow lists (missing ones null), or None for anything else."""
    for value in values:
        missing = value is None or (type(value) is float and value != value)
        if not missing and not (type(value) is list and all(type(v) is str for v in value)):
            return None
    return pa.array(list(values), type=TEXT_LIST, from_pandas=True)


def object_ids(values: np.ndarray) -> np.ndarray:
    """id() of every object in `values`: rows sharing one object share one conversion. In
    CPython an id is the object's address, which is what an object array holds, so the array's
    own memory is read (calling id() on 12M rows costs seconds)."""
    if sys.implementation.name != "cpython" or not len(values):
        return np.fromiter(map(id, values), dtype=np.int64, count=len(values))
    pointers = np.ascontiguousarray(values).data.cast("B")
    return np.frombuffer(pointers, dtype=np.intp).astype(np.int64)


def by_object(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code into the column's distinct objects (told apart by identity), and those
    objects."""
    codes, distinct = pd.factorize(object_ids(values))
    first = np.empty(len(distinct), dtype=np.int64)
    first[codes] = np.arange(len(codes))  # any row of an object will do: it is the same object
    return codes, values[first]


def _objects(values: np.ndarray) -> pa.Array | None:
    codes, distinct = by_object(values)
    first = next((v for v in distinct if v is not None and type(v) is not float), None)
    if type(first) is list:
        lists = _text_lists(distinct)
        return None if lists is None else lists.take(pa.array(codes))
    dictionary = _text(distinct)
    if dictionary is None:
        return None
    if len(distinct) > len(values) // 4:  # mostly distinct: plain text scans faster
        return dictionary.take(pa.array(codes))
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), dictionary)


def _categorical(codes: np.ndarray, categories: pa.Array) -> pa.Array:
    """A slice of a Categorical, its dictionary cut to the categories the slice uses."""
    present = codes >= 0
    used = np.flatnonzero(np.bincount(codes[present], minlength=len(categories)))
    recoded = np.full(len(categories), -1, dtype=np.int32)
    recoded[used] = np.arange(len(used), dtype=np.int32)
    indices = pa.array(recoded[np.where(present, codes, 0)], mask=~present)
    return pa.DictionaryArray.from_arrays(indices, categories.take(pa.array(used)))


def _column(column: pd.Series, categories: pa.Array | None) -> pa.Array | None:
    if categories is not None:
        return _categorical(column.cat.codes.to_numpy(), categories)
    if isinstance(column.dtype, pd.CategoricalDtype):
        return None
    if column.dtype == object:
        return _objects(column.to_numpy())
    if column.dtype.kind in "biufM":
        return pa.Array.from_pandas(column)  # NaN and NaT become nulls, as DuckDB reads them
    return None


def _slice(part: pd.DataFrame, categories: dict[str, pa.Array | None]) -> pa.Table | None:
    arrays = {}
    for name in part.columns:
        array = _column(part[name], categories.get(name))
        if array is None:
            return None
        arrays[name] = array
    if not arrays:
        return None
    # Batches the size of DuckDB's row groups: its threads scan them side by side.
    return pa.Table.from_batches(pa.table(arrays).to_batches(max_chunksize=BATCH_ROWS))


def arrow_slices(frame: pd.DataFrame, rows: int) -> Iterator[pa.Table | pd.DataFrame]:
    """`frame`'s rows in order, `rows` at a time: each slice as an Arrow table DuckDB reads as
    it would read the slice, or, where that cannot be vouched for, as the slice itself."""
    plain = not frame.columns.is_unique or not all(type(c) is str for c in frame.columns)
    categories = {
        name: _text(frame[name].cat.categories)
        for name in frame.columns
        if not plain and isinstance(frame[name].dtype, pd.CategoricalDtype)
    }
    for start in range(0, max(len(frame), 1), rows):
        part = frame.iloc[start : start + rows]
        table = None if plain or not len(part) else _slice(part, categories)
        yield part if table is None else table
