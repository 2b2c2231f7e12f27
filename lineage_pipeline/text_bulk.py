"""Standardising text in bulk: a column's distinct values in, their keys out.

`DistinctText` holds a column as its distinct values, so each key is computed once per distinct
text and spread back over the rows. Each Arrow function here is the ASCII reading of a Python
reference in `standardise` (which stays the definition): on ASCII text Python's `\\s` is
exactly the class below and case is per character, so both give the same key. Non-ASCII text
goes to the Python reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# What Python's \s, str.split() and str.strip() treat as white space, among ASCII characters.
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f "
ASCII_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "

ArrowKey = Callable[[pa.Array], pa.Array]


def keys(values: np.ndarray, python: Callable[[str], object], arrow: ArrowKey) -> np.ndarray:
    """python(v) for every value of an object array of str: ASCII values through `arrow`
    (null = None), the rest one by one."""
    out = np.full(len(values), None, dtype=object)
    try:
        text = pa.array(values, type=pa.string())
    except (pa.ArrowException, ValueError):  # not all str, or not encodable as UTF-8
        text = None
    ascii = np.zeros(len(values), dtype=bool)
    if text is not None and len(values):
        ascii = pc.string_is_ascii(text).to_numpy(zero_copy_only=False)
        out[ascii] = arrow(text.filter(pa.array(ascii))).to_numpy(zero_copy_only=False)
    for position in np.flatnonzero(~ascii):
        out[position] = python(values[position])
    return out


def _null_if_empty(text: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def email_keys(text: pa.Array) -> pa.Array:
    """standardise.email_key on ASCII: stripped, lower-cased, kept when it looks like one."""
    folded = pc.ascii_lower(pc.utf8_trim(text, ASCII_SPACE))
    part = f"[^@{SPACE}]+"
    looks_right = pc.match_substring_regex(folded, f"^{part}@{part}\\.{part}$")
    return pc.if_else(looks_right, folded, pa.scalar(None, pa.string()))


def postcode_keys(text: pa.Array) -> pa.Array:
    """standardise.postcode_key on ASCII: letters and digits only, upper-cased."""
    return _null_if_empty(pc.ascii_upper(pc.replace_substring_regex(text, "[^0-9A-Za-z]", "")))


def national_phones(
    code: str, prefixes: Iterable[str], lengths: Iterable[int]
) -> Callable[[pa.Array], pa.Array]:
    """The layout check of standardise.phone_keys on ASCII: without spaces and ().-/, a number
    after the first matching prefix, of a possible length, becomes +<code><number>; anything
    else is null (and goes to phonenumbers)."""
    prefixes, lengths = list(prefixes), pa.array(sorted(lengths), type=pa.int32())

    def e164(text: pa.Array) -> pa.Array:
        digits = pc.replace_substring_regex(text, f"[{SPACE}().\\-/]", "")
        national = pa.nulls(len(text), pa.string())
        for prefix in prefixes:
            hit = pc.and_(pc.is_null(national), pc.starts_with(digits, prefix))
            national = pc.if_else(hit, pc.utf8_slice_codeunits(digits, len(prefix)), national)
        good = pc.and_(
            pc.match_substring_regex(national, "^[1-9][0-9]*$"),
            pc.is_in(pc.utf8_length(national), value_set=lengths),
        )
        number = pc.binary_join_element_wise(f"+{code}", national, "")
        return pc.if_else(pc.fill_null(good, False), number, pa.scalar(None, pa.string()))

    return e164


class DistinctText:
    """A text column as its distinct values and, per row, which one it holds (-1: missing).

    Stripped (as .fillna("").astype(str).str.strip()) unless told not to; blank is missing.
    Keys are computed once per distinct value and spread back over the rows.
    """

    def __init__(self, values: pd.Series, strip: bool = True) -> None:
        codes, distinct = pd.factorize(values.to_numpy(dtype=object))
        if strip:
            distinct = objects([(v if type(v) is str else str(v)).strip() for v in distinct])
            present = distinct != ""
            position = np.append(np.cumsum(present) - 1, -1)
            position[:-1][~present] = -1
            codes, distinct = position[codes], distinct[present]
        self.index, self.codes, self.distinct = values.index, codes, distinct

    def spread(self, per_value: np.ndarray) -> pd.Series:
        """Per-row values from one value per distinct text; missing rows get None."""
        return pd.Series(np.append(per_value, None)[self.codes], index=self.index, dtype=object)

    def apply(self, python: Callable[[str], object], arrow: ArrowKey | None = None) -> pd.Series:
        if arrow is not None:
            return self.spread(keys(self.distinct, python, arrow))
        return self.spread(objects([python(value) for value in self.distinct]))

    def text(self) -> pd.Series:
        """The (stripped) text of every row, missing as NaN."""
        return pd.Series(np.append(self.distinct, np.nan)[self.codes], index=self.index)


def objects(items: list) -> np.ndarray:
    """A 1-d object array of `items`, even when they are tuples or lists."""
    return np.fromiter(items, dtype=object, count=len(items))
