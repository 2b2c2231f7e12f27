"""The lifestyle_panel: consumer rows, every column text, in many name and date layouts.

Input: a seeded Generator, customers and the `Taken` registry. Output: panel rows (answer key still
attached) and per-customer truth. Invariant: every real customer keeps its name plus at least two
agreeing fields; namesake decoys share a full name and nothing else.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .draws import Taken, postcodes, probabilities
from .people import fresh_people, personal_emails
from .text import blank, email_case, fold_accents, phone_text
from .words import AS_OF, INCOME_BANDS, INTERESTS, MONTHS


def draw_panel(
    rng: np.random.Generator, cust: pd.DataFrame, taken: Taken, coverage: float = 1.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Panel rows (all text) and per-customer truth: ~45% of customers (times `coverage`),
    strangers, namesakes."""
    n = len(cust)
    covered = np.flatnonzero(rng.random(n) < 0.45 * coverage)
    decoy_of = rng.choice(n, round(0.05 * len(covered)), replace=False)
    n_strangers = round((len(covered) + len(decoy_of)) * 0.3 / 0.7)
    strangers = fresh_people(rng, n_strangers, taken)
    strangers["personal_email"] = personal_emails(rng, strangers, taken)
    namesakes = fresh_people(rng, len(decoy_of), taken)  # fresh birth date, address and mobile
    for column in ("given", "surname", "female", "middle"):
        namesakes[column] = cust[column].to_numpy()[decoy_of]
    clash = namesakes["dob"].to_numpy() == cust["dob"].to_numpy()[decoy_of]
    namesakes.loc[clash, "dob"] -= np.timedelta64(400, "D")
    namesakes["personal_email"] = personal_emails(rng, namesakes, taken)
    people = pd.concat([cust.iloc[covered], strangers, namesakes], ignore_index=True)
    sizes = (len(covered), n_strangers, len(decoy_of))
    people["kind"] = np.repeat(("match", "non_customer", "decoy"), sizes)
    people["customer"] = np.concatenate([covered, np.full(sizes[1] + sizes[2], -1)])
    rows = _panel_identity(rng, people, cust)
    m = len(rows)
    age = (AS_OF - people["dob"].to_numpy()).astype("timedelta64[D]").astype(int) // 365
    bands = np.array([b for b, _ in INCOME_BANDS])
    rows["income_band"] = bands[
        rng.choice(len(bands), m, p=probabilities([w for _, w in INCOME_BANDS]))
    ]
    owner_rate = np.where(age < 30, 0.25, np.where(age < 50, 0.6, 0.8))
    rows["home_owner"] = np.where(rng.random(m) < owner_rate, "Y", "N")
    picks, count = rng.integers(0, len(INTERESTS), (m, 3)), rng.integers(1, 4, m)
    rows["interests"] = [
        ";".join(dict.fromkeys(INTERESTS[j] for j in row[:k]))
        for row, k in zip(picks, count, strict=True)
    ]
    expected = rows.iloc[: len(covered)][["income_band", "home_owner", "interests"]]
    expected.index = covered
    return rows, expected


def _panel_identity(
    rng: np.random.Generator, people: pd.DataFrame, cust: pd.DataFrame
) -> pd.DataFrame:
    """The panel's view: name and date layouts, postcode spacing, missing contact details."""
    m = len(people)
    no_dob, no_email = rng.random(m) < 0.05, rng.random(m) < 0.20
    no_mobile, no_postcode, moved = rng.random(m) < 0.15, rng.random(m) < 0.02, rng.random(m) < 0.03
    # Keep every real customer linkable: the name plus at least two agreeing fields.
    c = people["customer"].to_numpy()
    ci = np.maximum(c, 0)
    dob_ok = ~no_dob & cust["has_dob"].to_numpy()[ci]
    postcode_ok = ~no_postcode & ~moved
    email_ok = ~no_email & ~cust["uses_work_email"].to_numpy()[ci]
    mobile_ok = ~no_mobile & cust["has_phone"].to_numpy()[ci]
    weak = (c >= 0) & (dob_ok.astype(int) + postcode_ok + email_ok + mobile_ok < 2)
    no_dob[weak], no_postcode[weak], moved[weak] = False, False, False
    no_email[weak], no_mobile[weak] = False, False
    new_postcode, _ = postcodes(rng, m)
    postcode = np.where(moved, new_postcode, people["postcode"].to_numpy())
    spacing = rng.choice(5, m, p=probabilities([50, 15, 15, 12, 8]))
    dob_layout, mobile_layout = rng.integers(0, 4, m), rng.integers(0, 6, m)
    name_layout = rng.choice(6, m, p=probabilities([35, 15, 15, 10, 10, 15]))
    fold, title, casing = rng.random(m) < 0.5, rng.integers(0, 20, m), rng.random(m)
    given = [fold_accents(g) if f else g for g, f in zip(people["given"], fold, strict=True)]
    names = zip(given, people["surname"], people["female"], people["middle"], strict=True)
    return pd.DataFrame(
        {
            "name": [_full_name(*n, name_layout[i], title[i]) for i, n in enumerate(names)],
            "dob": blank(map(_date_text, people["dob"].to_numpy(), dob_layout), no_dob),
            "email_address": blank(map(email_case, people["personal_email"], casing), no_email),
            "mobile": blank(map(phone_text, people["mobile"], mobile_layout), no_mobile),
            "post_code": blank(map(_postcode_text, postcode, spacing), no_postcode),
            "kind": people["kind"].to_numpy(),
            "customer": c,
        }
    )


def _full_name(given: str, surname: str, female: bool, middle: str, layout: int, title: int) -> str:
    honorific = (
        ("Dr" if title == 0 else "Mrs" if title < 10 else "Ms" if title < 15 else "Miss")
        if female
        else ("Dr" if title == 0 else "Mr")
    )
    return (
        f"{given} {surname}",
        f"{surname.upper()}, {given}",
        f"{honorific} {given} {middle}. {surname}",
        f"{given} {surname}".lower(),
        f"{given} {surname}".upper(),
        f"{surname}, {given}",
    )[layout]


def _date_text(day: np.datetime64, layout: int) -> str:
    iso = str(day.astype("datetime64[D]"))
    y, mo, d = iso[:4], iso[5:7], iso[8:10]
    return (iso, f"{d}/{mo}/{y}", f"{y}{mo}{d}", f"{int(d)} {MONTHS[int(mo) - 1]} {y}")[layout]


def _postcode_text(postcode: str, spacing: int) -> str:
    compact = postcode.replace(" ", "")
    return (postcode, postcode.lower(), compact, compact.lower(), postcode.replace(" ", "  "))[
        spacing
    ]


def panel_file(rng: np.random.Generator, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows in panel_ref order, which is random with respect to who the row describes."""
    refs = np.sort(rng.choice(9 * 10**6, len(rows), replace=False)) + 10**6
    shuffled = rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)
    shuffled.insert(0, "panel_ref", [f"LP{r}" for r in refs])
    return shuffled
