"""Employers and the public company register, with near-miss namesakes as decoys.

Input: a seeded Generator and the customer count. Output: the company table (names, domains, SIC,
the ways people write each name) and the register rows. Invariant: councils, universities and
NHS trusts employ people but are never in the register.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from faker.providers.person.en_GB import Provider as FakerPeople

from .draws import postcodes, probabilities
from .text import slug
from .words import (
    AREAS,
    BODIES,
    HEADS,
    INDUSTRIES,
    LEGAL_LONG,
    LEGAL_SHORT,
    PARTNERSHIP_TRADES,
    SIZE_BANDS,
    TAILS,
)


def draw_companies(rng: np.random.Generator, customers: int) -> pd.DataFrame:
    """Registered companies (employer pool first, then as many others) and non-company bodies."""
    n_pool = max(20, round(400 * math.sqrt(customers / 3000)))
    towns = sorted({town for _, town, _, _ in AREAS if town != "London"})
    n_bodies = min(len(towns) * len(BODIES), max(2, round(0.08 * n_pool)))
    rows = _company_names(rng, 2 * n_pool)
    for k in rng.permutation(len(towns) * len(BODIES))[:n_bodies]:
        name, domain, sic = BODIES[k % len(BODIES)]
        town = towns[k // len(BODIES)]
        rows.append((name.format(t=town), "", False, domain.format(s=slug(town)), sic, sic))
    comp = pd.DataFrame(rows, columns=["display", "legal", "amp", "domain", "sic", "acme_sic"])
    n = len(comp)
    comp["registered"] = comp["legal"] != ""
    comp["pool"] = (np.arange(n) < n_pool) | ~comp["registered"]
    comp["size"] = np.array([b for b, _ in SIZE_BANDS])[
        rng.choice(len(SIZE_BANDS), n, p=probabilities([w for _, w in SIZE_BANDS]))
    ]
    comp.loc[~comp["registered"], "size"] = "1000+"
    comp["year"] = np.clip(2025 - rng.exponential(14, n).astype(int), 1948, 2025).astype(str)
    comp["postcode"], _ = postcodes(rng, n)
    comp["email_layout"] = rng.choice(4, n, p=probabilities([70, 18, 6, 6]))
    comp["weight"] = rng.lognormal(0.0, 1.0, n)
    official = comp["display"].str.upper() + " " + comp["legal"]
    spelled = comp["amp"] & (rng.random(n) < 0.5)
    comp["register_name"] = np.where(spelled, official.str.replace("&", "AND"), official)
    forms = _company_forms(comp)
    for k in range(forms.shape[1]):
        comp[f"form{k}"] = forms[:, k]
    return comp


def _company_names(rng: np.random.Generator, n: int) -> list[tuple]:
    prefixes = rng.permutation([h + t for h in HEADS for t in TAILS if h.lower() != t])
    surnames = sorted(set(FakerPeople.last_names))
    rows, seen, domains = [], set(), set()
    for i in range(n):
        while True:
            trade, sic, alt = INDUSTRIES[rng.integers(0, len(INDUSTRIES))]
            amp = rng.random() < 0.1
            if amp:
                first, second = rng.choice(surnames, 2, replace=False)
                name = f"{first} & {second} {trade}"
            else:
                name = f"{prefixes[i % len(prefixes)]} {trade}"
            if name not in seen:
                break
        seen.add(name)
        legal = "PLC" if rng.random() < 0.04 else "LIMITED"
        if amp and trade in PARTNERSHIP_TRADES:
            legal = "LLP"
        stem = slug(name.replace("&", "and" if rng.random() < 0.3 else ""))
        domain = stem + str(rng.choice([".co.uk", ".com", ".uk"], p=[0.65, 0.3, 0.05]))
        while domain in domains:
            domain = stem + "uk" + domain[len(stem) :]
        domains.add(domain)
        acme_sic = alt if rng.random() < 0.2 else sic
        rows.append((name, legal, amp, domain, sic, acme_sic))
    return rows


def _company_forms(comp: pd.DataFrame) -> np.ndarray:
    """How people write an employer: plain, with Ltd/Limited, the official capitals, and/&."""
    forms = []
    for display, legal, amp in zip(comp["display"], comp["legal"], comp["amp"], strict=True):
        short = f"{display} {LEGAL_SHORT[legal]}".strip()
        long = f"{display} {LEGAL_LONG[legal]}".strip()
        swapped = display.replace("&", "and") if amp else display.lower()
        forms.append(
            (display, short, long, f"{display.upper()} {legal}".strip(), display.upper(), swapped)
        )
    return np.array(forms, dtype=object)


def draw_register(rng: np.random.Generator, comp: pd.DataFrame, cust: pd.DataFrame) -> pd.DataFrame:
    """One row per registered company plus near-miss namesakes (e.g. '... HOLDINGS LIMITED')."""
    registered = comp[comp["registered"]]
    used = np.unique(cust["employer"].to_numpy()[cust["recorded"].to_numpy()])
    used = used[comp["registered"].to_numpy()[used]]
    n_decoys = min(len(used), max(3, round(0.02 * comp["pool"].sum())))
    decoy_of = comp.iloc[np.sort(rng.choice(used, n_decoys, replace=False))]
    words = ("HOLDINGS", "GROUP", "SERVICES", "INTERNATIONAL", "(SCOTLAND)", "PROPERTIES")
    word = np.array(words)[rng.integers(0, len(words), n_decoys)]
    other_sic = np.array([s for _, s, _ in INDUSTRIES])[rng.integers(0, len(INDUSTRIES), n_decoys)]
    decoys = pd.DataFrame(
        {
            "company_name": decoy_of["display"].str.upper() + " " + word + " LIMITED",
            "website": [
                slug(d + w) + ".com" if rng.random() < 0.5 else None
                for d, w in zip(decoy_of["display"], word, strict=True)
            ],
            "registered_postcode": postcodes(rng, n_decoys)[0],
            "sic_code": np.where(other_sic == decoy_of["sic"].to_numpy(), "70100", other_sic),
            "incorporated_year": rng.integers(1990, 2026, n_decoys).astype(str),
        }
    )
    style = rng.random(len(registered))
    rows = pd.DataFrame(
        {
            "company_name": registered["register_name"].to_numpy(),
            "website": list(map(_website, registered["domain"], style)),
            "registered_postcode": registered["postcode"].to_numpy(),
            "sic_code": registered["sic"].to_numpy(),
            "incorporated_year": registered["year"].to_numpy(),
        }
    )
    register = pd.concat([rows.assign(kind="company"), decoys.assign(kind="decoy")])
    k = len(register)
    # Distinct draws below a million stay distinct both as 'SC123456' and spread over 8 digits.
    numbers, spread = rng.choice(10**6, k, replace=False), rng.integers(0, 15, k)
    prefix = rng.choice(["", "SC", "NI"], k, p=[0.9, 0.07, 0.03])
    register.insert(
        0,
        "company_number",
        [
            f"{p}{n:06d}" if p else f"{n * 15 + s:08d}"
            for p, n, s in zip(prefix, numbers, spread, strict=True)
        ],
    )
    return register.sort_values("company_number", ignore_index=True)


def _website(domain: str, roll: float) -> str | None:
    """Registers hold websites as filed: often bare, sometimes with www. or a URL, or none."""
    if roll < 0.10:
        return None
    if roll < 0.25:
        return f"www.{domain}"
    return f"https://www.{domain}/" if roll < 0.30 else domain
