"""Similarity: candidate pairs of coded records in, one similarity and level per field out.

recordlinkage's `Compare` runs the fields' compare features over int32 code columns; given
name and surname written the wrong way round are then rescored where the straight scores are
low. Rows and results stay numeric: no per-pair copies of the identity strings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import recordlinkage as rl

from lineage_pipeline.link.comparisons import COMPARISONS, FieldSimilarity
from lineage_pipeline.link.encoding import Encoded

SWAP_MIN_SIMILARITY = 0.92
NAMES = ("given_name", "surname")


class PositionalCompare(rl.Compare):
    """recordlinkage's Compare with its documented `indexing_type="position"` applied (0.16
    accepts it but indexes by label): the pairs' MultiIndex codes are positions, columns are
    gathered by numpy take, and the features come back as a plain frame in pair order."""

    def __init__(self, features: list[FieldSimilarity]) -> None:
        super().__init__(features, indexing_type="position")

    def _compute(self, pairs: pd.MultiIndex, x: pd.DataFrame, x_link=None) -> pd.DataFrame:
        x_link = x if x_link is None else x_link
        left, right = (_positions(pairs, level) for level in (0, 1))
        gathered: dict[tuple[int, str], pd.Series] = {}

        def column(side: int, frame: pd.DataFrame, label: str) -> pd.Series:
            if (side, label) not in gathered:
                positions = left if side == 0 else right
                gathered[side, label] = pd.Series(frame[label].to_numpy()[positions])
            return gathered[side, label]

        features = {}
        for feature in self.features:
            data1 = tuple(column(0, x, label) for label in feature.labels_left)
            data2 = tuple(column(1, x_link, label) for label in feature.labels_right)
            features[feature.label] = feature._compute(data1, data2)
        return pd.DataFrame(features)


def _positions(pairs: pd.MultiIndex, level: int) -> np.ndarray:
    """One level of the pairs as positions: its codes when the level is 0, 1, 2, ..."""
    values = pairs.levels[level]
    if isinstance(values, pd.RangeIndex) and values.start == 0 and values.step == 1:
        return pairs.codes[level]
    return pairs.get_level_values(level).to_numpy()


def _frame(codes: dict[str, np.ndarray], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: codes[c] for c in columns}, copy=False)


def similarities(
    fields: list[str] | tuple[str, ...],
    encoded: Encoded,
    left: np.ndarray,
    right: np.ndarray,
    right_codes: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Per pair (rows `left` of the left table, `right` of the right table, or of
    `right_codes`) and field, the similarity in [0, 1], NaN where a value is missing."""
    right_codes = encoded.right if right_codes is None else right_codes
    out = np.full((len(left), len(fields)), np.nan)
    if not len(left):
        return out
    features = [
        FieldSimilarity(COMPARISONS[f], tuple(encoded.vocabulary(c) for c in COMPARISONS[f].inputs))
        for f in fields
    ]
    columns = sorted({c for f in fields for c in COMPARISONS[f].inputs})
    # Levels are the positions themselves, so codes are positions: nothing to factorise.
    index = pd.MultiIndex(
        levels=[pd.RangeIndex(int(left.max()) + 1), pd.RangeIndex(int(right.max()) + 1)],
        codes=[left, right],
        verify_integrity=False,
    )
    computed = PositionalCompare(features).compute(
        index, _frame(encoded.left, columns), _frame(right_codes, columns)
    )
    for j, f in enumerate(fields):
        out[:, j] = computed[f].to_numpy(dtype=float)
    if set(NAMES) <= set(fields):
        _score_swapped_names(out, list(fields), encoded, left, right, right_codes)
    return out


def _score_swapped_names(
    out: np.ndarray,
    fields: list[str],
    encoded: Encoded,
    left: np.ndarray,
    right: np.ndarray,
    right_codes: dict[str, np.ndarray],
) -> None:
    """Given name and surname written the wrong way round (a form filled in the wrong order):
    score each name against the other field where both cross-comparisons agree better. Only
    pairs where neither name already agrees exactly can improve, so only they are rescored."""
    g, s = fields.index("given_name"), fields.index("surname")
    rows = np.flatnonzero((out[:, g] < 1.0) & (out[:, s] < 1.0))
    names = encoded.vocabulary("given_name"), encoded.vocabulary("surname")
    cross_surname = COMPARISONS["surname"].similarity(
        names, (encoded.left["given_name"][left[rows]],), (right_codes["surname"][right[rows]],)
    )
    hopeful = (cross_surname > out[rows, s]) & (cross_surname >= SWAP_MIN_SIMILARITY)
    rows, cross_surname = rows[hopeful], cross_surname[hopeful]
    cross_given = COMPARISONS["given_name"].similarity(
        names, (encoded.left["surname"][left[rows]],), (right_codes["given_name"][right[rows]],)
    )
    better = (cross_given > out[rows, g]) & (cross_given >= SWAP_MIN_SIMILARITY)
    out[rows[better], g] = cross_given[better]
    out[rows[better], s] = cross_surname[better]


def field_levels(similarity: np.ndarray, fields: list[str] | tuple[str, ...]) -> np.ndarray:
    """Per pair and field, the agreement level (-1 missing)."""
    levels = np.zeros(similarity.shape, dtype=np.int8)
    for j, f in enumerate(fields):
        levels[:, j] = COMPARISONS[f].levels(similarity[:, j])
    return levels
