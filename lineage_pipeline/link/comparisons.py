"""Comparisons: pairs of coded identity values in, a similarity in [0, 1] and a level out.

Each comparison is a recordlinkage compare feature plus the similarity cut-offs that turn it
into discrete agreement levels for the Fellegi-Sunter model. Features read integer codes
(encoding.py): equal codes agree exactly at once, and the string work (rapidfuzz `cpdist`,
name tokens, nickname families) runs once per distinct pair of values or per distinct value.
A missing value on either side gives NaN similarity and level -1: neutral, not evidence against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from nicknames import NickNamer
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Levenshtein
from recordlinkage.base import BaseCompareFeature

from lineage_pipeline.link.encoding import (
    Vocabulary,
    arrow_codes,
    derived_codes,
    derived_feature,
    distinct,
    encode,
)

MISSING = -1
# Scores distinct pairs of unequal values: (vocabulary, left codes, right codes) -> similarity.
PairScorer = Callable[[Vocabulary, np.ndarray, np.ndarray], np.ndarray]


def by_distinct_pairs(
    vocabulary: Vocabulary, a: np.ndarray, b: np.ndarray, score: PairScorer | None
) -> np.ndarray:
    """1.0 where the codes are equal, NaN where either is missing, else `score` (0 if None),
    evaluated once per distinct pair of unequal values."""
    out = np.full(len(a), np.nan)
    present = (a >= 0) & (b >= 0)
    equal = present & (a == b)
    out[equal] = 1.0
    rest = np.flatnonzero(present & ~equal)
    if not len(rest):
        return out
    if score is None:
        out[rest] = 0.0
        return out
    if len(vocabulary) * 2 > len(rest):
        # Values mostly unique (emails, phones): pairs rarely repeat, finding them costs more.
        out[rest] = score(vocabulary, a[rest], b[rest])
        return out
    keys = (a[rest].astype(np.int64) << 32) | b[rest].astype(np.int64)
    pairs, inverse = distinct(keys)
    distinct_a = (pairs >> 32).astype(np.int32)
    distinct_b = (pairs & 0xFFFFFFFF).astype(np.int32)
    out[rest] = score(vocabulary, distinct_a, distinct_b)[inverse]
    return out


def _cpdist(vocabulary: Vocabulary, a: np.ndarray, b: np.ndarray, scorer) -> np.ndarray:
    return process.cpdist(vocabulary.decode(a), vocabulary.decode(b), scorer=scorer, workers=1)


def _jaro_winkler(vocabulary: Vocabulary, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _cpdist(vocabulary, a, b, JaroWinkler.normalized_similarity)


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


@cache
def _name_family(name: str) -> frozenset[str]:
    """A given name with its canonical forms and nicknames (Bob ~ Robert ~ Rob)."""
    namer = _nicknamer()
    canonicals = namer.canonicals_of(name)
    return frozenset({name, *canonicals, *namer.nicknames_of(name)})


def _first_word(value: str) -> str:
    return value.split(" ")[0]


def _given_name(vocabulary: Vocabulary, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaro-Winkler, raised to 1.0 when the first words are equal or nickname equivalents and
    to 0.9 for a matching initial. Words, initials and families are looked up per distinct
    value or pair, not per candidate pair."""
    out = _jaro_winkler(vocabulary, a, b)
    initial = derived_codes(
        vocabulary, "initial", lambda v: _first_word(v)[0] if len(_first_word(v)) == 1 else None
    )
    first_letter = derived_codes(vocabulary, "first_letter", lambda v: _first_word(v)[:1] or None)
    rows = np.flatnonzero(out < 1.0)
    token, words = derived_feature(vocabulary, "first_word", _first_word)
    x, y = token[a[rows]], token[b[rows]]
    same = x == y
    unequal = np.flatnonzero(~same)
    if len(unequal):
        keys = (x[unequal].astype(np.int64) << 32) | y[unequal].astype(np.int64)
        pairs, inverse = distinct(keys)
        equivalent = [
            wb in _name_family(wa) or wa in _name_family(wb)
            for wa, wb in zip(words[pairs >> 32], words[pairs & 0xFFFFFFFF], strict=True)
        ]
        same[unequal] = np.array(equivalent, dtype=bool)[inverse]
    out[rows[same]] = 1.0
    has_initial = (initial[a[rows]] >= 0) | (initial[b[rows]] >= 0)
    letters = first_letter[a[rows]]
    matched = has_initial & (letters >= 0) & (letters == first_letter[b[rows]]) & ~same
    out[rows[matched]] = np.maximum(out[rows[matched]], 0.9)
    return out


def _levenshtein(vocabulary: Vocabulary, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _cpdist(vocabulary, a, b, Levenshtein.normalized_similarity)


def _same_part(
    name: str,
    part: Callable[[str], str | None],
    arrow_part: Callable[[pa.Array], pa.Array],
    similarity: float,
) -> PairScorer:
    """`similarity` where a part of the two values (None: no such part) is equal, else 0.
    The part is taken once per distinct value (by Arrow, in bulk), or per pair when there
    are fewer pairs than values (phones and postcodes are nearly unique)."""

    def score(vocabulary: Vocabulary, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if vocabulary.arrow is not None:
            codes = arrow_codes(vocabulary, name, arrow_part)
        elif len(a) * 2 < len(vocabulary) and not vocabulary.has(name):
            agree = [
                (px := part(x)) is not None and px == part(y)
                for x, y in zip(vocabulary.decode(a), vocabulary.decode(b), strict=True)
            ]
            return np.where(np.array(agree, dtype=bool), similarity, 0.0)
        else:
            codes = derived_codes(vocabulary, name, part)
        return np.where((codes[a] >= 0) & (codes[a] == codes[b]), similarity, 0.0)

    return score


def _outward(values: pa.Array) -> pa.Array:
    long_enough = pc.greater(pc.utf8_length(values), 3)
    return pc.if_else(long_enough, pc.utf8_slice_codeunits(values, 0, -3), None)


# Slicing counts characters, in Python and in Arrow alike.
_phone = _same_part(
    "national_part", lambda v: v[-9:], lambda v: pc.utf8_slice_codeunits(v, -9), 0.9
)
_postcode = _same_part("outward_code", lambda v: v[:-3] if len(v) > 3 else None, _outward, 0.8)


def _date_of_birth(vocabulary: Vocabulary, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """0.9 for day and month swapped or one character edited, else 0."""
    year = derived_codes(vocabulary, "year", lambda v: v[:4])
    month_day = vocabulary.derived("month_day", _month_day_codes)
    swapped = (year[a] == year[b]) & (month_day[a, 0] == month_day[b, 1])
    swapped &= month_day[a, 1] == month_day[b, 0]
    one_edit = _cpdist(vocabulary, a, b, Levenshtein.distance) == 1
    return np.where(swapped | one_edit, 0.9, 0.0)


def _month_day_codes(values: np.ndarray) -> np.ndarray:
    """Per date, codes of its month and day characters, in one code space."""
    parts = np.array([v[5:7] for v in values] + [v[8:10] for v in values], dtype=object)
    codes = pd.factorize(parts)[0].astype(np.int32)
    return codes.reshape(2, len(values)).T


def _on_codes(score: PairScorer | None):
    """A one-column similarity over codes, from its scorer of distinct unequal pairs."""

    def similarity(vocabularies: tuple[Vocabulary, ...], left, right) -> np.ndarray:
        return by_distinct_pairs(vocabularies[0], left[0], right[0], score)

    return similarity


def _employer(vocabularies: tuple[Vocabulary, ...], left, right) -> np.ndarray:
    """One comparison for where a person works: the same company name or the same company
    domain is agreement; else the names' Jaro-Winkler. Name and domain are one fact, so
    counting them apart would double the evidence of two colleagues at one firm."""
    names = by_distinct_pairs(vocabularies[0], left[0], right[0], _jaro_winkler)
    domains = by_distinct_pairs(vocabularies[1], left[1], right[1], None)
    out = np.where(np.isnan(names), domains, names)
    return np.where(domains == 1.0, 1.0, out)


@dataclass(frozen=True)
class Comparison:
    """How an identity field is compared: a similarity over codes and its level cut-offs.

    `cutoffs` are descending; level k (0 = disagree) is the number of cut-offs reached.
    `columns` are the identity columns it reads (default: the field itself).
    """

    field: str
    similarity: Callable[..., np.ndarray]
    cutoffs: tuple[float, ...]
    labels: tuple[str, ...]
    columns: tuple[str, ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.columns or (self.field,)

    def levels(self, similarity: np.ndarray) -> np.ndarray:
        level = np.zeros(len(similarity), dtype=np.int8)
        for cutoff in sorted(self.cutoffs):
            level += (similarity >= cutoff - 1e-9).astype(np.int8)
        level[np.isnan(similarity)] = MISSING
        return level

    @property
    def level_count(self) -> int:
        return len(self.cutoffs) + 1

    def on_strings(self, *series: pd.Series) -> np.ndarray:
        """The similarity of plain aligned string Series (left columns, then right columns)."""
        half = len(series) // 2
        left, right = (
            pd.DataFrame(
                {c: s.to_numpy(dtype=object) for c, s in zip(self.inputs, side, strict=True)}
            )
            for side in (series[:half], series[half:])
        )
        encoded = encode(left, right, self.inputs)
        return self.similarity(
            tuple(encoded.vocabulary(c) for c in self.inputs),
            tuple(encoded.left[c] for c in self.inputs),
            tuple(encoded.right[c] for c in self.inputs),
        )


_NAME_LABELS = ("different", "similar", "close", "exact")
_jw = _on_codes(_jaro_winkler)
_exact = _on_codes(None)
COMPARISONS: dict[str, Comparison] = {
    c.field: c
    for c in (
        Comparison("given_name", _on_codes(_given_name), (1.0, 0.92, 0.85), _NAME_LABELS),
        Comparison("surname", _jw, (1.0, 0.94, 0.88), _NAME_LABELS),
        Comparison("full_name", _jw, (1.0, 0.94, 0.88), _NAME_LABELS),
        Comparison(
            "date_of_birth", _on_codes(_date_of_birth), (1.0, 0.9), ("different", "near", "exact")
        ),
        Comparison("email", _on_codes(_levenshtein), (1.0, 0.9), ("different", "typo", "exact")),
        Comparison("phone", _on_codes(_phone), (1.0, 0.9), ("different", "national part", "exact")),
        Comparison("street", _jw, (1.0, 0.9), ("different", "similar", "exact")),
        Comparison("city", _jw, (1.0, 0.9), ("different", "similar", "exact")),
        Comparison(
            "postcode", _on_codes(_postcode), (1.0, 0.8), ("different", "same area", "exact")
        ),
        Comparison("region", _exact, (1.0,), ("different", "exact")),
        Comparison("country", _exact, (1.0,), ("different", "exact")),
        Comparison("company", _jw, (1.0, 0.95, 0.9), _NAME_LABELS),
        Comparison("company_domain", _exact, (1.0,), ("different", "exact")),
        Comparison(
            "employer", _employer, (1.0, 0.95, 0.9), _NAME_LABELS, ("company", "company_domain")
        ),
    )
}


def given_name(s1: pd.Series, s2: pd.Series) -> np.ndarray:
    """The given-name similarity of two aligned Series of standardised names."""
    return COMPARISONS["given_name"].on_strings(s1, s2)


class FieldSimilarity(BaseCompareFeature):
    """recordlinkage's override hook: one identity field scored by its Comparison, reading
    the pairs' codes (int32 columns) and decoding through the shared vocabularies."""

    def __init__(self, comparison: Comparison, vocabularies: tuple[Vocabulary, ...]) -> None:
        columns = list(comparison.inputs)
        super().__init__(columns, columns, label=comparison.field)
        self.comparison = comparison
        self.vocabularies = vocabularies

    def _compute_vectorized(self, *columns: pd.Series) -> np.ndarray:
        half = len(columns) // 2
        left = tuple(c.to_numpy() for c in columns[:half])
        right = tuple(c.to_numpy() for c in columns[half:])
        return self.comparison.similarity(self.vocabularies, left, right)
