"""Comparisons: pairs of identity values in, a similarity in [0, 1] and a level out.

Each comparison is a recordlinkage compare feature (vectorised with rapidfuzz) plus the
similarity cut-offs that turn it into discrete agreement levels for the Fellegi-Sunter model.
A missing value on either side gives NaN similarity and level -1: neutral, not evidence against.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from nicknames import NickNamer
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Levenshtein
from recordlinkage.base import BaseCompareFeature

MISSING = -1


def _pairs(s1: pd.Series, s2: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b = s1.to_numpy(dtype=object), s2.to_numpy(dtype=object)
    present = pd.notna(a) & pd.notna(b)
    return a, b, present


def _scored(s1: pd.Series, s2: pd.Series, scorer) -> np.ndarray:
    a, b, present = _pairs(s1, s2)
    out = np.full(len(a), np.nan)
    if present.any():
        out[present] = process.cpdist(list(a[present]), list(b[present]), scorer=scorer, workers=1)
    return out


def jaro_winkler(s1: pd.Series, s2: pd.Series) -> np.ndarray:
    return _scored(s1, s2, JaroWinkler.normalized_similarity)


def exact(s1: pd.Series, s2: pd.Series) -> np.ndarray:
    a, b, present = _pairs(s1, s2)
    out = np.full(len(a), np.nan)
    out[present] = (a[present] == b[present]).astype(float)
    return out


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


@cache
def _name_family(name: str) -> frozenset[str]:
    """A given name with its canonical forms and nicknames (Bob ~ Robert ~ Rob)."""
    namer = _nicknamer()
    canonicals = namer.canonicals_of(name)
    return frozenset({name, *canonicals, *namer.nicknames_of(name)})


def _disagreeing(s1: pd.Series, s2: pd.Series, out: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """The present pairs that do not yet agree exactly, as aligned string Series."""
    mask = pd.notna(s1.to_numpy()) & pd.notna(s2.to_numpy()) & (out < 1.0)
    index = np.flatnonzero(mask)
    return (
        pd.Series(s1.to_numpy()[index], index=index, dtype=object),
        pd.Series(s2.to_numpy()[index], index=index, dtype=object),
    )


def _nickname_pairs(x: pd.Series, y: pd.Series) -> np.ndarray:
    """True where two first names are nickname equivalents; looked up once per distinct pair."""
    pairs = pd.DataFrame({"x": x.to_numpy(), "y": y.to_numpy()})
    distinct = pairs.drop_duplicates()
    equivalent = [
        b in _name_family(a) or a in _name_family(b)
        for a, b in zip(distinct["x"], distinct["y"], strict=True)
    ]
    lookup = distinct.assign(equivalent=equivalent)
    return pairs.merge(lookup, on=["x", "y"], how="left")["equivalent"].to_numpy(dtype=bool)


def given_name(s1: pd.Series, s2: pd.Series) -> np.ndarray:
    """Jaro-Winkler, raised to 1.0 for nickname equivalents and 0.9 for a matching initial."""
    out = jaro_winkler(s1, s2)
    a, b = _disagreeing(s1, s2, out)
    if a.empty:
        return out
    x, y = a.str.split(" ").str[0], b.str.split(" ").str[0]
    same = (x == y).to_numpy() | _nickname_pairs(x, y)
    out[a.index[same]] = 1.0
    initial = ((x.str.len() == 1) | (y.str.len() == 1)) & (x.str[0] == y.str[0])
    rows = a.index[initial.to_numpy() & ~same]
    out[rows] = np.maximum(out[rows], 0.9)
    return out


def email(s1: pd.Series, s2: pd.Series) -> np.ndarray:
    """1.0 for the same address; a typo scores by Levenshtein over the whole address."""
    return _scored(s1, s2, Levenshtein.normalized_similarity)


def phone(s1: pd.Series, s2: pd.Series) -> np.ndarray:
    """1.0 for the same E.164 number, 0.9 when only the country code part differs."""
    out = exact(s1, s2)
    a, b = _disagreeing(s1, s2, out)
    out[a.index[(a.str[-9:] == b.str[-9:]).to_numpy()]] = 0.9
    return out


def date_of_birth(s1: pd.Series, s2: pd.Series) -> np.ndarray:
    """1.0 same date; 0.9 day and month swapped or one digit off; else 0."""
    out = exact(s1, s2)
    x, y = _disagreeing(s1, s2, out)
    if x.empty:
        return out
    swapped = (x.str[:4] == y.str[:4]) & (x.str[5:7] == y.str[8:10]) & (x.str[8:10] == y.str[5:7])
    one_edit = process.cpdist(list(x), list(y), scorer=Levenshtein.distance, workers=1) == 1
    out[x.index[swapped.to_numpy() | one_edit]] = 0.9
    return out


def postcode(s1: pd.Series, s2: pd.Series) -> np.ndarray:
    """1.0 same postcode; 0.8 same outward code (all but the last three characters)."""
    out = exact(s1, s2)
    a, b = _disagreeing(s1, s2, out)
    area = (a.str.len() > 3) & (a.str[:-3] == b.str[:-3])
    out[a.index[area.to_numpy()]] = 0.8
    return out


def employer(name1: pd.Series, domain1: pd.Series, name2: pd.Series, domain2: pd.Series):
    """One comparison for where a person works: the same company name or the same company
    domain is agreement; else the names' Jaro-Winkler. Name and domain are one fact, so
    counting them apart would double the evidence of two colleagues at one firm."""
    names = jaro_winkler(name1, name2)
    domains = exact(domain1, domain2)
    out = np.where(np.isnan(names), domains, names)
    return np.where(domains == 1.0, 1.0, out)


@dataclass(frozen=True)
class Comparison:
    """How an identity field is compared: a similarity function and its level cut-offs.

    `cutoffs` are descending; level k (0 = disagree) is the number of cut-offs reached.
    `columns` are the identity columns it reads (default: the field itself).
    """

    field: str
    similarity: object
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


_NAME_LABELS = ("different", "similar", "close", "exact")
COMPARISONS: dict[str, Comparison] = {
    c.field: c
    for c in (
        Comparison("given_name", given_name, (1.0, 0.92, 0.85), _NAME_LABELS),
        Comparison("surname", jaro_winkler, (1.0, 0.94, 0.88), _NAME_LABELS),
        Comparison("full_name", jaro_winkler, (1.0, 0.94, 0.88), _NAME_LABELS),
        Comparison("date_of_birth", date_of_birth, (1.0, 0.9), ("different", "near", "exact")),
        Comparison("email", email, (1.0, 0.9), ("different", "typo", "exact")),
        Comparison("phone", phone, (1.0, 0.9), ("different", "national part", "exact")),
        Comparison("street", jaro_winkler, (1.0, 0.9), ("different", "similar", "exact")),
        Comparison("city", jaro_winkler, (1.0, 0.9), ("different", "similar", "exact")),
        Comparison("postcode", postcode, (1.0, 0.8), ("different", "same area", "exact")),
        Comparison("region", exact, (1.0,), ("different", "exact")),
        Comparison("country", exact, (1.0,), ("different", "exact")),
        Comparison("company", jaro_winkler, (1.0, 0.95, 0.9), _NAME_LABELS),
        Comparison("company_domain", exact, (1.0,), ("different", "exact")),
        Comparison(
            "employer", employer, (1.0, 0.95, 0.9), _NAME_LABELS, ("company", "company_domain")
        ),
    )
}


class FieldSimilarity(BaseCompareFeature):
    """recordlinkage's override hook: one identity field scored by its Comparison."""

    def __init__(self, comparison: Comparison) -> None:
        columns = list(comparison.inputs)
        super().__init__(columns, columns, label=comparison.field)
        self.comparison = comparison

    def _compute_vectorized(self, *columns: pd.Series) -> np.ndarray:
        half = len(columns) // 2
        return self.comparison.similarity(*columns[:half], *columns[half:])
