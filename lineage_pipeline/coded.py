"""Text columns as integer codes: distinct values gathered from many places in, one code per
row into the distinct values of them all out, and pandas Categoricals of the values used.

Each place (a source, its deliveries) hashes its own values once; joining the places hashes
only their distinct values, never every row. Invariant: a code names the value the row held;
-1 names a missing value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lineage_pipeline.narrow import narrow
from lineage_pipeline.survivorship import text_order


def shifted(codes: np.ndarray, start: int) -> np.ndarray:
    """Codes into one place's values as codes into values gathered after `start` others."""
    return np.where(codes >= 0, codes + start, -1).astype(np.int64)


class Pool:
    """Values of several places, each added once; rows hold positions into them, and only the
    rows kept in the end are looked up (one object array made, not one per step)."""

    def __init__(self) -> None:
        self._values: list[np.ndarray] = []
        self._size = 0

    def add(self, values: np.ndarray) -> int:
        """Add a place's values; returns where they start."""
        start = self._size
        self._values.append(values)
        self._size += len(values)
        return start

    def values(self) -> np.ndarray:
        """Every place's values, in the order added (joined once)."""
        if len(self._values) != 1:
            joined = np.concatenate(self._values) if self._values else np.empty(0, dtype=object)
            self._values = [joined]
        return self._values[0]

    def take(self, positions: np.ndarray) -> np.ndarray:
        return self.values()[positions]


class Dictionary:
    """Distinct values of several places, each added once; rows keep codes shifted by where
    their place's values start, and `joined` turns those into codes of the whole."""

    def __init__(self) -> None:
        self._pool = Pool()

    def add(self, distinct: np.ndarray | pd.Index) -> int:
        """Add a place's values; returns where they start."""
        return self._pool.add(np.asarray(distinct, dtype=object))

    def joined(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shifted codes in; codes into the distinct values of every place, and those, out."""
        merged, distinct = pd.factorize(self._pool.values())  # missing values get -1
        merged = narrow(np.append(merged, -1), len(distinct))  # code -1 stays -1; a code a row
        return merged[codes], np.asarray(distinct, dtype=object)


def categorical(
    codes: np.ndarray, distinct: np.ndarray, order: np.ndarray | None = None
) -> pd.Categorical:
    """The rows' values as a Categorical whose categories are the values used, in `order`
    (positions into `distinct`; default: sorted, so that grouping by the column orders its
    groups as grouping the text would)."""
    used = np.zeros(len(distinct) + 1, dtype=bool)
    used[codes] = True  # code -1 marks the extra last slot
    if order is None:
        try:
            order = text_order(distinct)
        except TypeError:  # values that do not sort together: as they come
            order = np.arange(len(distinct))
    order = order[used[order]]
    recoded = np.full(len(distinct) + 1, -1, dtype=np.int64)
    recoded[order] = np.arange(len(order))
    categories = pd.Index(distinct[order], dtype=object)
    return pd.Categorical.from_codes(recoded[codes], categories=categories)
