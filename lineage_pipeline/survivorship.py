"""Value rows as column arrays in, their history (valid_to) and survivors out, in bulk.

Integer codes and numpy sorts stand in for pandas merges and multi-column sorts over the full
frame. Invariant: the same answers those would give: stable orders (ties keep row order) and
text compared as Python compares strings, missing last.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lineage_pipeline.narrow import int_type

NOT_A_TIME = np.datetime64("NaT", "ns")


def group_codes(*codes: np.ndarray) -> np.ndarray:
    """One code per distinct combination of non-negative integer codes, ordered as the
    combinations are (first code first): a sort by it is a sort by the codes in turn."""
    combined = np.zeros(len(codes[0]), dtype=np.int64)
    for code in codes:
        size = int(code.max(initial=0)) + 1
        if int(combined.max(initial=0)) + 1 > np.iinfo(np.int64).max // size:
            combined = np.unique(combined, return_inverse=True)[1].reshape(-1)  # dense, in order
        combined = combined * size + code
    return combined


def text_order(distinct: np.ndarray) -> np.ndarray:
    """Positions of distinct (non-missing) values in sorted order, as Python sorts them."""
    try:
        # UTF-8 bytes sort as their code points do, which is how Python orders str.
        order = pc.array_sort_indices(pa.array(distinct, type=pa.string())).to_numpy()
        return order.astype(np.int64)
    except (pa.ArrowException, TypeError, ValueError):  # not all text, or not encodable
        return np.array(sorted(range(len(distinct)), key=distinct.__getitem__), dtype=np.int64)


def code_ranks(
    codes: np.ndarray, distinct: np.ndarray, order: np.ndarray | None = None
) -> np.ndarray:
    """Each code's value's rank in sorted order (code -1, missing, ranks last); `order`:
    text_order(distinct), if already known. Ranks come in the narrowest integer type that
    holds them: a rank per row is held beside many others."""
    rank = np.empty(len(distinct) + 1, dtype=int_type(len(distinct)))
    rank[text_order(distinct) if order is None else order] = np.arange(len(distinct))
    rank[-1] = len(distinct)  # code -1: missing
    return rank[codes]


def text_ranks(values: np.ndarray) -> np.ndarray:
    """Each value's rank in sorted order (equal values share it; missing values rank last)."""
    return code_ranks(*pd.factorize(values))


def _text_key(value: object) -> tuple[bool, object]:
    missing = value is None or (isinstance(value, float) and np.isnan(value))
    return (missing, "" if missing else value)


def sort_rows(
    keys: Sequence[np.ndarray], text: np.ndarray, text_rows: np.ndarray | None = None
) -> np.ndarray:
    """Row positions ordered by `keys` (first key first), then `text`, then position.

    `text` only matters where every key ties, which is rare, so it is compared only there
    instead of ranking every row's text. `text_rows`: where each row's text is in `text`
    (default: at the row's own position), so a subset of rows needs no copy of the text.
    """
    order = np.lexsort(list(reversed(keys)))
    if len(order) < 2:
        return order
    ties = np.ones(len(order) - 1, dtype=bool)
    for key in keys:
        ranked = key[order]
        ties &= ranked[1:] == ranked[:-1]
    if not ties.any():
        return order
    edges = np.diff(np.concatenate(([0], ties.astype(np.int8), [0])))
    for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        run = order[start : stop + 1]
        at = run if text_rows is None else text_rows[run]
        order[start : stop + 1] = run[sorted(range(len(run)), key=lambda i: _text_key(text[at[i]]))]
    return order


def valid_to(group: np.ndarray, acquired_at: np.ndarray) -> np.ndarray:
    """For each row, the next newer `acquired_at` in its group (NaT when none): a newer
    delivery of the same source replaces older values."""
    order = np.lexsort((acquired_at, group))
    groups, times = group[order], acquired_at[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (groups[1:] != groups[:-1]) | (times[1:] != times[:-1])
    version_group, version_time = groups[first], times[first]
    del groups, times  # the sorted copies: a row each, at the merge's peak
    version = np.cumsum(first, dtype=int_type(len(first))) - 1
    del first
    following = np.full(len(version_time), NOT_A_TIME, dtype="datetime64[ns]")
    same = version_group[1:] == version_group[:-1]
    following[:-1] = np.where(same, version_time[1:], NOT_A_TIME)
    out = np.empty(len(order), dtype="datetime64[ns]")
    out[order] = following[version]
    return out


def winners(group: np.ndarray, ranks: Sequence[np.ndarray], text: np.ndarray) -> np.ndarray:
    """Positions of the first row of each group when ordered by `ranks`, then `text`."""
    order = sort_rows([group, *ranks], text)
    ordered = group[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return order[first]
