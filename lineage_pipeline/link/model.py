"""Fellegi-Sunter model: comparison levels in, match weights and probabilities out.

Trained without labels, as Splink does: u probabilities (chance agreement) from random record
pairs; m probabilities by expectation-maximisation in one session per blocking pass, leaving out
the fields that pass blocked on (their agreement there is forced, so it says nothing); then
the chance that two records match, found as the fixed point over every possible pair. Weights
are log2 Bayes factors: a match probability is the prior plus the per-field weights, through a
logistic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

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


def _tallies(column: np.ndarray, count: int, weights: np.ndarray | None = None) -> np.ndarray:
    present = column != MISSING
    w = np.ones(len(column)) if weights is None else weights
    return np.bincount(column[present], weights=w[present], minlength=count)


def _smoothed(tallies: np.ndarray, prior: np.ndarray, strength: float) -> np.ndarray:
    return (tallies + strength * prior) / (tallies.sum() + strength)


def estimate_u(random_levels: np.ndarray, level_counts: list[int]) -> list[np.ndarray]:
    return [
        _smoothed(_tallies(random_levels[:, j], n), u_prior(n), U_PRIOR_PAIRS)
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
    levels: np.ndarray, u: list[np.ndarray], level_counts: list[int]
) -> tuple[list[np.ndarray], np.ndarray]:
    """EM for m and the session's match rate (u fixed); returns m tallies and posteriors."""
    m = [m_prior(n) for n in level_counts]
    rate = 0.5
    p = np.zeros(len(levels))
    for _ in range(MAX_ITERATIONS):
        logit = np.log2(rate / (1 - rate)) + _log_ratio(levels, m, u)
        p = 1.0 / (1.0 + np.exp2(-logit))
        new_m = [
            _smoothed(_tallies(levels[:, j], n, p), m_prior(n), M_PRIOR_PAIRS)
            for j, n in enumerate(level_counts)
        ]
        new_rate = float(np.clip(p.mean(), 1e-6, 1 - 1e-6))
        change = max(
            abs(new_rate - rate),
            *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)),
        )
        m, rate = new_m, new_rate
        if change < TOLERANCE:
            break
    return [_tallies(levels[:, j], n, p) for j, n in enumerate(level_counts)], p


def _global_rate(log_ratio: np.ndarray, total_pairs: int) -> float:
    """The chance two random records match: fixed point of expected matches / all pairs."""
    rate = max(1.0 / total_pairs, 1e-12)
    for _ in range(200):
        p = 1.0 / (1.0 + np.exp2(-(np.log2(rate / (1 - rate)) + log_ratio)))
        new_rate = float(np.clip(p.sum() / total_pairs, 1e-12, 0.5))
        if abs(new_rate - rate) <= 1e-9 * rate:
            break
        rate = new_rate
    return rate


def train(
    levels: np.ndarray,
    random_levels: np.ndarray,
    fields: list[str],
    level_counts: list[int],
    sessions: Mapping[str, tuple[np.ndarray, set[str]]],
    total_pairs: int,
) -> MatchModel:
    """Fit the model.

    `sessions` maps a blocking pass to (its candidate rows, the fields it blocked on); each
    field's m comes from the sessions that did not block on it, pooled by expected matches.
    """
    u = estimate_u(random_levels, level_counts)
    pooled = [np.zeros(n) for n in level_counts]
    used: list[str] = []
    for name, (rows, blocked) in sessions.items():
        free = [j for j, f in enumerate(fields) if f not in blocked]
        if len(rows) < MIN_SESSION_PAIRS or not free:
            continue
        tallies, _ = _session(
            levels[np.ix_(rows, free)], [u[j] for j in free], [level_counts[j] for j in free]
        )
        for j, tally in zip(free, tallies, strict=True):
            pooled[j] += tally
        used.append(name)
    m = [_smoothed(t, m_prior(n), M_PRIOR_PAIRS) for t, n in zip(pooled, level_counts, strict=True)]
    rate = _global_rate(_log_ratio(levels, m, u), total_pairs)
    for _ in range(U_REFINEMENTS):
        # Random pairs include a few true matches (many, when customers share few employers):
        # count each random pair towards u only as far as it is a non-match.
        logit = np.log2(rate / (1 - rate)) + _log_ratio(random_levels, m, u)
        non_match = 1.0 - 1.0 / (1.0 + np.exp2(-logit))
        u = [
            _smoothed(_tallies(random_levels[:, j], n, non_match), u_prior(n), U_PRIOR_PAIRS)
            for j, n in enumerate(level_counts)
        ]
        rate = _global_rate(_log_ratio(levels, m, u), total_pairs)
    return MatchModel(
        rate,
        tuple(FieldModel(f, tuple(mi), tuple(ui)) for f, mi, ui in zip(fields, m, u, strict=True)),
        tuple(used),
    )
