"""Seeded draws every generator shares: weights, postcodes, mobiles, given names, uniqueness.

Input: a numpy Generator and a count. Output: arrays of drawn values. Invariant: `Taken` is the one
registry of handed-out phones, emails and names at work, so nobody collides by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from faker.providers.person.en_GB import Provider as FakerPeople

from .words import ACCENTED, AREAS, UNIT_LETTERS


def probabilities(weights: tuple[float, ...] | list[float] | np.ndarray) -> np.ndarray:
    """Weights scaled to sum to 1, as `Generator.choice(p=...)` wants."""
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


@dataclass
class Taken:
    """Identifiers already handed out, so no two people share a phone or an email by accident."""

    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    names_at: set[tuple[str, str, int]] = field(default_factory=set)

    def email(self, candidate: str, first_suffix: int = 2) -> str:
        """The candidate address, or the candidate with a number appended if already in use."""
        local, domain = candidate.split("@")
        address, n = candidate, first_suffix
        while address in self.emails:
            address, n = f"{local}{n}@{domain}", n + 1
        self.emails.add(address)
        return address


def postcodes(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    """`m` real-looking UK postcodes (areas weighted as in AREAS) and their post towns."""
    area = rng.choice(len(AREAS), m, p=probabilities([a[3] for a in AREAS]))
    top = np.array([a[2] for a in AREAS])[area]
    district = 1 + (rng.random(m) * top).astype(int)
    sector, units = rng.integers(0, 10, m), rng.integers(0, len(UNIT_LETTERS), (m, 2))
    central = rng.integers(0, 6, m)
    codes = [
        f"{AREAS[a][0]}{d}{'ACMNRW'[c] if AREAS[a][0] in ('EC', 'WC') else ''} "
        f"{s}{UNIT_LETTERS[u[0]]}{UNIT_LETTERS[u[1]]}"
        for a, d, c, s, u in zip(area, district, central, sector, units, strict=True)
    ]
    return np.array(codes, dtype=object), np.array([AREAS[a][1] for a in area], dtype=object)


def mobiles(rng: np.random.Generator, m: int, taken: Taken) -> np.ndarray:
    """`m` distinct 10-digit UK mobile numbers (no trunk 0), none already in `taken`."""
    out = np.empty(m, dtype=object)
    todo = np.arange(m)
    while len(todo):
        drawn = rng.integers(7_400_000_000, 8_000_000_000, len(todo)).astype(str)
        fresh = []
        for i, number in zip(todo, drawn, strict=True):
            if number in taken.phones:
                fresh.append(i)
            else:
                taken.phones.add(number)
                out[i] = number
        todo = np.array(fresh, dtype=int)
    return out


def given_names(rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
    """A given name per person by sex (Faker's en_GB lists), ~2% an accented one."""
    m = len(female)
    women = np.array(FakerPeople.first_names_female, dtype=object)
    men = np.array(FakerPeople.first_names_male, dtype=object)
    names = np.where(
        female, women[rng.integers(0, len(women), m)], men[rng.integers(0, len(men), m)]
    )
    accented = rng.random(m) < 0.02
    pick = rng.integers(0, 5, m)
    return np.where(
        accented, [ACCENTED[0 if f else 1][k] for f, k in zip(female, pick, strict=True)], names
    )
