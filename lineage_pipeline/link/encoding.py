"""Encoding: two identity tables in, integer codes over vocabularies shared by both out.

Equal values get equal codes (missing: -1), so blocking joins and exact agreement are integer
work, and string work (similarities, name tokens, nickname families) runs once per distinct
value or distinct pair of values, never once per candidate pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

MISSING_CODE = -1
# Given name and surname share one vocabulary, so a name can be compared with the other field
# (forms filled in the wrong order) and the two names form an order-free blocking key.
SHARED_VOCABULARIES: dict[str, str] = {"given_name": "names", "surname": "names"}


class Vocabulary:
    """Distinct values, and features derived from them once (a name's first word, a postcode's
    outward code), cached by name. Values may stay in Arrow until Python needs them all:
    decoding a few codes does not build a million Python strings."""

    def __init__(self, values: np.ndarray | pa.Array) -> None:
        self._arrow = values if isinstance(values, pa.Array) else None
        self._values = None if self._arrow is not None else values
        self._derived: dict[str, Any] = {}

    @property
    def values(self) -> np.ndarray:
        if self._values is None:
            self._values = self._arrow.to_numpy(zero_copy_only=False).astype(object)
        return self._values

    @property
    def arrow(self) -> pa.Array | None:
        return self._arrow

    def __len__(self) -> int:
        return len(self._arrow) if self._values is None else len(self._values)

    def cached(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._derived:
            self._derived[name] = build()
        return self._derived[name]

    def derived(self, name: str, make: Callable[[np.ndarray], Any]) -> Any:
        return self.cached(name, lambda: make(self.values))

    def has(self, name: str) -> bool:
        return name in self._derived

    def decode(self, codes: np.ndarray) -> list[str]:
        if self._values is None:
            return self._arrow.take(pa.array(codes)).to_pylist()
        return self._values[codes].tolist()


@dataclass(frozen=True)
class Encoded:
    """Both tables' columns as int32 codes (row-aligned with each table) and their vocabularies."""

    left: dict[str, np.ndarray]
    right: dict[str, np.ndarray]
    vocabularies: dict[str, Vocabulary]

    def vocabulary(self, column: str) -> Vocabulary:
        return self.vocabularies[SHARED_VOCABULARIES.get(column, column)]


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), None, dtype=object)
    return frame[column].to_numpy(dtype=object)


def _factorize(values: np.ndarray) -> tuple[np.ndarray, Vocabulary]:
    """Codes and vocabulary of strings (None or NaN missing). Arrow's dictionary encoding reads
    each Python string once and hashes contiguous bytes: faster than pandas' hashing of
    scattered string objects; anything that is not a string goes to pandas."""
    try:
        strings = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        strings = None
    if isinstance(strings, pa.Array):
        encoded = strings.dictionary_encode()
        codes = encoded.indices.fill_null(MISSING_CODE).to_numpy(zero_copy_only=False)
        return codes.astype(np.int32), Vocabulary(encoded.dictionary)
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int32), Vocabulary(np.asarray(uniques, dtype=object))


def encode(left: pd.DataFrame, right: pd.DataFrame, columns: Iterable[str]) -> Encoded:
    """Code `columns` of both tables; a column absent from a table is all missing there."""
    groups: dict[str, list[str]] = {}
    for column in dict.fromkeys(columns):
        groups.setdefault(SHARED_VOCABULARIES.get(column, column), []).append(column)
    codes_left: dict[str, np.ndarray] = {}
    codes_right: dict[str, np.ndarray] = {}
    vocabularies: dict[str, Vocabulary] = {}
    for name, members in groups.items():
        parts = [_values(frame, c) for c in members for frame in (left, right)]
        codes, vocabularies[name] = _factorize(np.concatenate(parts))
        start = 0
        for column in members:
            for frame, out in ((left, codes_left), (right, codes_right)):
                out[column] = codes[start : start + len(frame)]
                start += len(frame)
    return Encoded(codes_left, codes_right, vocabularies)


def derived_feature(
    vocabulary: Vocabulary, name: str, make: Callable[[str], object]
) -> tuple[np.ndarray, np.ndarray]:
    """A feature of each distinct value (missing where `make` gives None) as codes, one code
    per distinct feature value, and the feature values those codes stand for."""

    def build(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        features = np.array([make(v) for v in values], dtype=object)
        codes, uniques = pd.factorize(features)
        return codes.astype(np.int32), np.asarray(uniques, dtype=object)

    return vocabulary.derived(name, build)


def arrow_codes(
    vocabulary: Vocabulary, name: str, make: Callable[[pa.Array], pa.Array]
) -> np.ndarray:
    """Like `derived_codes`, for a feature Arrow computes over the whole vocabulary at once."""

    def build() -> np.ndarray:
        encoded = make(vocabulary.arrow).dictionary_encode()
        codes = encoded.indices.fill_null(MISSING_CODE).to_numpy(zero_copy_only=False)
        return codes.astype(np.int32)

    return vocabulary.cached(name, build)


def derived_codes(vocabulary: Vocabulary, name: str, make: Callable[[str], object]) -> np.ndarray:
    """The codes of `derived_feature`: equal features, equal codes."""
    return derived_feature(vocabulary, name, make)[0]


def has_values(frame: pd.DataFrame, column: str) -> bool:
    """Whether a column exists and holds any value: usually decided by its first values (a
    full null check of a million strings costs a tenth of a second, for every column)."""
    if column not in frame:
        return False
    values = frame[column].to_numpy(dtype=object)
    if any(v is not None and v == v for v in values[:1000]):
        return True
    return not pd.isna(values).all()


def distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of integer `keys`, ascending, and each key's position among them.
    By sorting: numpy's hash-based unique and pandas' factorize are many times slower on
    millions of spread-out keys."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


def gather(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """`table[codes]`, with missing codes staying missing."""
    out = np.full(len(codes), MISSING_CODE, dtype=table.dtype)
    present = codes >= 0
    out[present] = table[codes[present]]
    return out
