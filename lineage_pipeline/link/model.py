"""Fellegi-Sunter model: comparison levels in, match weights and probabilities out.

u probabilities (chance agreement) come from random record pairs, which are almost all
non-matches; m probabilities and the match rate among candidates are then estimated without
labels by expectation-maximisation with u held fixed. Weights are log2 Bayes factors, so a
match probability is the sum of the prior and the per-field weights, pushed through a logistic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lineage_pipeline.link.comparisons import MISSING

# Prior beliefs, worth this many pairs: they keep small deliveries sensible and vanish
# under real volumes. Matches mostly agree exactly; chance agreement is rare.
M_PRIOR_PAIRS = 10.0
U_PRIOR_PAIRS = 50.0
M_PRIOR_EXACT, M_PRIOR_DIFFERENT = 0.85, 0.03
U_PRIOR_EXACT, U_PRIOR_PARTIAL = 0.02, 0.03
MAX_ITERATIONS = 100
TOLERANCE = 1e-6
# Weights are bounded so that one field can never outvote every other field by itself.
MAX_WEIGHT = 14.0


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
    """A trained model: the candidate match rate and each field's m and u per level."""

    match_rate: float
    fields: tuple[FieldModel, ...]
    iterations: int

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


def _frequencies(
    column: np.ndarray, prior: np.ndarray, strength: float, weights: np.ndarray | None = None
) -> np.ndarray:
    """Level frequencies among present values, smoothed towards `prior`."""
    present = column != MISSING
    w = np.ones(len(column)) if weights is None else weights
    tallies = np.bincount(column[present], weights=w[present], minlength=len(prior))
    return (tallies + strength * prior) / (tallies.sum() + strength)


def estimate_u(random_levels: np.ndarray, level_counts: list[int]) -> list[np.ndarray]:
    return [
        _frequencies(random_levels[:, j], u_prior(n), U_PRIOR_PAIRS)
        for j, n in enumerate(level_counts)
    ]


def train(
    candidate_levels: np.ndarray,
    random_levels: np.ndarray,
    fields: list[str],
    level_counts: list[int],
) -> MatchModel:
    """Estimate u from random pairs, then m and the match rate by EM over the candidates."""
    u = estimate_u(random_levels, level_counts)
    m = [m_prior(n) for n in level_counts]
    rate = 0.1
    iterations = 0
    for iterations in range(1, MAX_ITERATIONS + 1):
        model = MatchModel(
            rate,
            tuple(
                FieldModel(f, tuple(mi), tuple(ui)) for f, mi, ui in zip(fields, m, u, strict=True)
            ),
            iterations,
        )
        p = model.probabilities(candidate_levels) if len(candidate_levels) else np.zeros(0)
        new_m = [
            _frequencies(candidate_levels[:, j], m_prior(n), M_PRIOR_PAIRS, p)
            for j, n in enumerate(level_counts)
        ]
        new_rate = float(np.clip(p.mean() if len(p) else 0.1, 1e-6, 1 - 1e-6))
        change = max(
            [abs(new_rate - rate)]
            + [float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)]
        )
        m, rate = new_m, new_rate
        if change < TOLERANCE:
            break
    return MatchModel(
        rate,
        tuple(FieldModel(f, tuple(mi), tuple(ui)) for f, mi, ui in zip(fields, m, u, strict=True)),
        iterations,
    )
