"""Fellegi-Sunter model: comparison levels in, match weights and probabilities out.

Trained without labels, as Splink does: u probabilities (chance agreement) from random record
pairs; m probabilities by expectation-maximisation in one session per blocking pass, leaving out
the fields that pass blocked on (their agreement there is forced, so it says nothing); then
the chance that two records match, found as the fixed point over every possible pair. Weights
are log2 Bayes factors: a match probability is the prior plus the per-field weights, through a
logistic. Training reads distinct comparison vectors with counts (Splink does the same), so it
is cheap at any size and independent of pair order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lineage_pipeline.link.comparisons import MISSING

# Prior beliefs, worth this many pairs: they keep small deliveries sensible and vanish
# under real volumes. Matches mostly agree exactly; chance agreement is rare.
M_PRIOR_PAIRS = 10.0
U_PRIOR_PAIRS = 50.0
M_PRIOR_EXACT, M_PRIOR_DIFFERENT = 0.85, 0.03
U_PRIOR_EXACT, U_PRIOR_PARTIAL = 0.005, 0.01
MAX_ITERATIONS = 100
TOLERANCE = 1e-6
MIN_SESSION_PAIRS = 20
U_REFINEMENTS = 10
# Weights are bounded: no single agreement is worth more than about a million to one.
MAX_WEIGHT = 20.0


@dataclass(frozen=True)
class FieldModel:
    field: str
    m: tuple[float, ...]
    u: tuple[float, ...]

    @property
    def weights(self) -> np.ndarray:
        ratio = np.log2(np.asarray(self.m) / np.asarray(self.u))
        return np.clip(ratio, -MAX_WEIGHT, MAX_WEIGHT)


@dataclass(frozen=True)
class MatchModel:
    """A trained model: the chance two records match, and each field's m and u per level."""

    match_rate: float
    fields: tuple[FieldModel, ...]
    sessions: tuple[str, ...] = ()

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.match_rate / (1.0 - self.match_rate)))

    def field_weights(self, levels: np.ndarray) -> np.ndarray:
        """Per pair and field, the weight of the observed level (0 where missing)."""
        out = np.zeros(levels.shape, dtype=float)
        for j, field in enumerate(self.fields):
            column = levels[:, j]
            present = column != MISSING
            out[present, j] = field.weights[column[present]]
        return out

    def probabilities(self, levels: np.ndarray) -> np.ndarray:
        total = self.prior_weight + self.field_weights(levels).sum(axis=1)
        return 1.0 / (1.0 + np.exp2(-total))


def m_prior(count: int) -> np.ndarray:
    prior = np.full(count, (1.0 - M_PRIOR_EXACT - M_PRIOR_DIFFERENT) / max(count - 2, 1))
    prior[0], prior[-1] = M_PRIOR_DIFFERENT, M_PRIOR_EXACT
    return prior / prior.sum()


def u_prior(count: int) -> np.ndarray:
    prior = np.full(count, U_PRIOR_PARTIAL)
    prior[-1] = U_PRIOR_EXACT
    prior[0] = 1.0 - prior[1:].sum()
    return prior


def _tallies(column: np.ndarray, count: int, weights: np.ndarray) -> np.ndarray:
    present = column != MISSING
    return np.bincount(column[present], weights=weights[present], minlength=count)


def _smoothed(tallies: np.ndarray, prior: np.ndarray, strength: float) -> np.ndarray:
    return (tallies + strength * prior) / (tallies.sum() + strength)


@dataclass(frozen=True)
class LevelPatterns:
    """Distinct comparison vectors and how many pairs show each, in one canonical order.

    `levels` (patterns x fields, int8), `masks` (the blocking passes that found the pairs, a
    bit per pass) and `counts`. Training reads only these, so pairs in any order or split
    over any number of buckets train exactly the same model.
    """

    levels: np.ndarray
    masks: np.ndarray
    counts: np.ndarray


def _radices(level_counts: list[int]) -> list[int]:
    return [n + 1 for n in level_counts]  # levels -1..n-1


def _keys(levels: np.ndarray, masks: np.ndarray, level_counts: list[int]) -> np.ndarray:
    key = masks.astype(np.int64)
    for j, radix in enumerate(_radices(level_counts)):
        key = key * radix + (levels[:, j].astype(np.int64) + 1)
    return key


def _decode(keys: np.ndarray, level_counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    levels = np.zeros((len(keys), len(level_counts)), dtype=np.int8)
    rest = keys.copy()
    for j in reversed(range(len(level_counts))):
        radix = level_counts[j] + 1
        levels[:, j] = rest % radix - 1
        rest //= radix
    return levels, rest.astype(np.uint32)


def level_patterns(
    levels: np.ndarray,
    level_counts: list[int],
    masks: np.ndarray | None = None,
    counts: np.ndarray | None = None,
) -> LevelPatterns:
    """Count the distinct (levels, mask) rows, sorted by their packed key."""
    if masks is None:
        masks = np.zeros(len(levels), dtype=np.uint32)
    mask_bits = int(masks.max()).bit_length() if len(masks) else 0
    if mask_bits + sum(int(np.ceil(np.log2(r))) for r in _radices(level_counts)) > 62:
        raise ValueError(f"{len(level_counts)} compared fields are too many to pack")
    keys = _keys(levels, masks, level_counts)
    codes, distinct = pd.factorize(keys)
    tally = np.bincount(codes, weights=counts, minlength=len(distinct)).astype(np.int64)
    order = np.argsort(distinct)
    patterns, pattern_masks = _decode(distinct[order], level_counts)
    return LevelPatterns(patterns, pattern_masks, tally[order])


def merge_patterns(parts: list[LevelPatterns], level_counts: list[int]) -> LevelPatterns:
    """The patterns of several buckets as if counted together (integer sums: exact)."""
    if not parts:
        return level_patterns(np.zeros((0, len(level_counts)), np.int8), level_counts)
    return level_patterns(
        np.concatenate([p.levels for p in parts]),
        level_counts,
        np.concatenate([p.masks for p in parts]),
        np.concatenate([p.counts for p in parts]),
    )


def estimate_u(chance: LevelPatterns, level_counts: list[int]) -> list[np.ndarray]:
    weights = chance.counts.astype(float)
    return [
        _smoothed(_tallies(chance.levels[:, j], n, weights), u_prior(n), U_PRIOR_PAIRS)
        for j, n in enumerate(level_counts)
    ]


def _log_ratio(levels: np.ndarray, m: list[np.ndarray], u: list[np.ndarray]) -> np.ndarray:
    total = np.zeros(len(levels))
    for j in range(levels.shape[1]):
        column = levels[:, j]
        present = column != MISSING
        ratio = np.clip(np.log2(m[j] / u[j]), -MAX_WEIGHT, MAX_WEIGHT)
        total[present] += ratio[column[present]]
    return total


def _session(
    levels: np.ndarray, counts: np.ndarray, u: list[np.ndarray], level_counts: list[int]
) -> list[np.ndarray]:
    """EM for m and the session's match rate (u fixed); returns m tallies (expected matches
    per level), each pattern counting as many pairs as show it."""
    m = [m_prior(n) for n in level_counts]
    rate = 0.5
    expected = np.zeros(len(levels))
    for _ in range(MAX_ITERATIONS):
        logit = np.log2(rate / (1 - rate)) + _log_ratio(levels, m, u)
        expected = counts / (1.0 + np.exp2(-logit))
        new_m = [
            _smoothed(_tallies(levels[:, j], n, expected), m_prior(n), M_PRIOR_PAIRS)
            for j, n in enumerate(level_counts)
        ]
        new_rate = float(np.clip(expected.sum() / counts.sum(), 1e-6, 1 - 1e-6))
        change = max(
            abs(new_rate - rate),
            *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)),
        )
        m, rate = new_m, new_rate
        if change < TOLERANCE:
            break
    return [_tallies(levels[:, j], n, expected) for j, n in enumerate(level_counts)]


def _global_rate(log_ratio: np.ndarray, counts: np.ndarray, total_pairs: int) -> float:
    """The chance two random records match: fixed point of expected matches / all pairs."""
    rate = max(1.0 / total_pairs, 1e-12)
    for _ in range(200):
        p = 1.0 / (1.0 + np.exp2(-(np.log2(rate / (1 - rate)) + log_ratio)))
        new_rate = float(np.clip((p * counts).sum() / total_pairs, 1e-12, 0.5))
        if abs(new_rate - rate) <= 1e-9 * rate:
            break
        rate = new_rate
    return rate


def train_patterns(
    patterns: LevelPatterns,
    chance: LevelPatterns,
    fields: list[str],
    level_counts: list[int],
    sessions: Sequence[tuple[str, set[str]] | None],
    total_pairs: int,
) -> MatchModel:
    """Fit the model on counted patterns.

    `sessions` lists, in mask-bit order, each blocking pass and the fields it blocked on (None:
    the pass does not train); each field's m comes from the sessions that did not block on
    it, pooled by expected matches.
    u comes from `chance`, the levels of (almost all non-matching) random pairs.
    """
    counts = patterns.counts.astype(float)
    chance_counts = chance.counts.astype(float)
    u = estimate_u(chance, level_counts)
    pooled = [np.zeros(n) for n in level_counts]
    used: list[str] = []
    for bit, session in enumerate(sessions):
        if session is None:
            continue
        name, blocked = session
        rows = np.flatnonzero(patterns.masks & np.uint32(1 << bit))
        free = [j for j, f in enumerate(fields) if f not in blocked]
        if counts[rows].sum() < MIN_SESSION_PAIRS or not free:
            continue
        tallies = _session(
            patterns.levels[np.ix_(rows, free)],
            counts[rows],
            [u[j] for j in free],
            [level_counts[j] for j in free],
        )
        for j, tally in zip(free, tallies, strict=True):
            pooled[j] += tally
        used.append(name)
    m = [_smoothed(t, m_prior(n), M_PRIOR_PAIRS) for t, n in zip(pooled, level_counts, strict=True)]
    rate = _global_rate(_log_ratio(patterns.levels, m, u), counts, total_pairs)
    for _ in range(U_REFINEMENTS):
        # Random pairs include a few true matches (many, when customers share few employers):
        # count each random pair towards u only as far as it is a non-match.
        logit = np.log2(rate / (1 - rate)) + _log_ratio(chance.levels, m, u)
        non_match = chance_counts * (1.0 - 1.0 / (1.0 + np.exp2(-logit)))
        u = [
            _smoothed(_tallies(chance.levels[:, j], n, non_match), u_prior(n), U_PRIOR_PAIRS)
            for j, n in enumerate(level_counts)
        ]
        rate = _global_rate(_log_ratio(patterns.levels, m, u), counts, total_pairs)
    return MatchModel(
        rate,
        tuple(FieldModel(f, tuple(mi), tuple(ui)) for f, mi, ui in zip(fields, m, u, strict=True)),
        tuple(used),
    )


def train(
    levels: np.ndarray,
    random_levels: np.ndarray,
    fields: list[str],
    level_counts: list[int],
    sessions: Mapping[str, tuple[np.ndarray, set[str]]],
    total_pairs: int,
) -> MatchModel:
    """Fit the model on per-pair levels. `sessions` maps a blocking pass to (its candidate
    rows, the fields it blocked on)."""
    masks = np.zeros(len(levels), dtype=np.uint32)
    for bit, (rows, _) in enumerate(sessions.values()):
        masks[rows] |= np.uint32(1 << bit)
    return train_patterns(
        level_patterns(levels, level_counts, masks),
        level_patterns(random_levels, level_counts),
        fields,
        level_counts,
        [(name, blocked) for name, (_, blocked) in sessions.items()],
        total_pairs,
    )
